import type { EventEnvelope, StoredEvent } from '@immune/contracts';
import { foldProjection } from '../projection';
import { escalationsProjection } from './escalations.projection';
import { postureProjection } from '../posture/posture.projection';

let seq = 0;
function ev(aggregate: 'escalation' | 'posture', aggregateId: string, type: string, data: Record<string, unknown>, actor = 'alice'): StoredEvent {
  seq++;
  const envelope: EventEnvelope = {
    schemaVersion: 1, id: `e${seq}`, type, aggregate, aggregateId, occurredAt: `2026-01-01T00:00:${String(seq).padStart(2, '0')}.000Z`, actor,
    correlationId: 'c', causationId: `c${seq}`, data, prevHash: null, hash: `h${seq}`,
  };
  return { seq, subject: `x.events.${aggregate}.${aggregateId}`, envelope };
}

describe('escalations and posture projections', () => {
  it('follow an escalation from request through quorum to its end, and the posture with it', () => {
    const log = [
      ev('posture', 'fleet', 'PostureBaselineChanged', { fromBaseline: 'operator', toBaseline: 'observer', reason: 'preview' }, 'root'),
      ev('escalation', 'o', 'EscalationRaised', { escalationId: 'o', fromProfile: 'observer', toProfile: 'operator', type: 'operator_request', reason: 'r', reversible: true, ttlSeconds: 3600, expiresAt: '2026-01-01T01:00:00.000Z', approvals: ['alice'], context: null }),
      ev('escalation', 'g', 'EscalationRaised', { escalationId: 'g', fromProfile: 'operator', toProfile: 'guardian', type: 'threat_detected', reason: 'r', reversible: true, ttlSeconds: 7200, expiresAt: '2026-01-01T02:00:00.000Z', approvals: ['escalation'], context: { confidence: 0.9 } }, 'escalation'),
      ev('escalation', 'p', 'EscalationRequested', { escalationId: 'p', fromProfile: 'guardian', toProfile: 'phoenix', type: 'crisis_declared', reason: 'r', reversible: true, ttlSeconds: 1800, approvalsRequired: 2, approvals: ['root'], context: null }, 'root'),
      ev('escalation', 'p', 'EscalationApproved', { escalationId: 'p', approver: 'bob', approvals: ['root', 'bob'], approvalsRequired: 2 }, 'bob'),
      ev('escalation', 'p', 'EscalationRaised', { escalationId: 'p', fromProfile: 'guardian', toProfile: 'phoenix', type: 'crisis_declared', reason: 'r', reversible: true, ttlSeconds: 1800, expiresAt: '2026-01-01T00:30:06.000Z', approvals: ['root', 'bob'], context: null }, 'bob'),
    ];
    const rows = foldProjection(escalationsProjection, log);
    expect(rows.get('p')).toMatchObject({ openedSeq: log[3]!.seq, view: { status: 'active', requestedBy: 'root', approvals: ['root', 'bob'], approvalsRequired: 2, expiresAt: '2026-01-01T00:30:06.000Z', hash: 'h6' } });
    const posture = foldProjection(postureProjection, log).get('1');
    expect(posture).toMatchObject({ current: 'phoenix', baseline: 'observer', active: [{ escalationId: 'o' }, { escalationId: 'g' }, { escalationId: 'p' }] });

    const end = ev('escalation', 'p', 'EscalationDeescalated', { escalationId: 'p', type: 'timeout_expired', reason: 'ttl', fromProfile: 'phoenix', toProfile: 'guardian', wasActive: true }, 'escalation');
    const after = foldProjection(escalationsProjection, [end], rows).get('p');
    expect(after?.view).toMatchObject({ status: 'ended', deescalationType: 'timeout_expired', endedBy: 'escalation', raisedAt: '2026-01-01T00:00:06.000Z' });
    expect(postureProjection.evolve(posture!, end)).toMatchObject({ current: 'guardian', version: end.seq });
    // the row survives the trip through its columns
    const cols = escalationsProjection.toColumns(after!);
    expect(escalationsProjection.fromColumns({ doc: cols[9], opened_seq: String(cols[8]) })).toEqual(after);
    // other events are none of their business
    expect(escalationsProjection.keyOf({ ...end, envelope: { ...end.envelope, aggregate: 'agent' } })).toBeNull();
  });
});
