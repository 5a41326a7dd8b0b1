import type { EscalationCommandBody } from '@immune/contracts';
import { escalationCommandId } from './escalation-command-id';

const request = (escalationId: string): EscalationCommandBody => ({ type: 'RequestEscalation', escalationId, toProfile: 'guardian', escalationType: 'operator_request', reason: 'r' });

describe('escalationCommandId', () => {
  it('gives a retried POST /escalations (a fresh escalation id each attempt) the same command id for the same key', () => {
    const first = escalationCommandId('ops', 'key-1', request('id-minted-first'));
    expect(escalationCommandId('ops', 'key-1', request('id-minted-on-retry'))).toBe(first);
    expect(escalationCommandId('ops', 'key-2', request('id-minted-first'))).not.toBe(first);
    expect(escalationCommandId('other', 'key-1', request('id-minted-first'))).not.toBe(first);
  });

  it('keeps commands about different escalations apart, and is fresh without a key', () => {
    const approve = (escalationId: string): EscalationCommandBody => ({ type: 'ApproveEscalation', escalationId });
    expect(escalationCommandId('ops', 'k', approve('e-1'))).not.toBe(escalationCommandId('ops', 'k', approve('e-2')));
    expect(escalationCommandId('ops', 'k', approve('e-1'))).toBe(escalationCommandId('ops', 'k', approve('e-1')));
    expect(escalationCommandId('ops', 'k', approve('e-1'))).not.toBe(escalationCommandId('ops', 'k', request('e-1')));
    expect(escalationCommandId('ops', undefined, request('x'))).not.toBe(escalationCommandId('ops', undefined, request('x')));
  });
});
