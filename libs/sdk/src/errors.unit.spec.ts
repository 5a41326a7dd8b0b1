import { AgentSuspendedError, AgentTerminatedError, blockingError, isAgentSuspendedError, isAgentTerminatedError, isCut } from './errors';
import { NO_RESTRICTIONS, parseStatusRecord } from './wire';

describe('enforcement rules', () => {
  it('work may go on while active or restricted; suspended and terminated block with typed errors', () => {
    expect(blockingError('a1', 'active')).toBeNull();
    expect(blockingError('a1', 'restricted')).toBeNull();
    const s = blockingError('a1', 'suspended');
    expect(s).toBeInstanceOf(AgentSuspendedError);
    expect(isAgentSuspendedError(s)).toBe(true);
    expect(s?.code).toBe('AGENT.SUSPENDED');
    const t = blockingError('a1', 'terminated');
    expect(t).toBeInstanceOf(AgentTerminatedError);
    expect(isAgentTerminatedError(t)).toBe(true);
    expect(isAgentSuspendedError(t)).toBe(false);
  });

  it('restrictions cut the matching capability only', () => {
    const r = { ...NO_RESTRICTIONS, toolsRevoked: true, networkRestricted: true };
    expect(isCut(r, 'tools')).toBe(true);
    expect(isCut(r, 'network')).toBe(true);
    expect(isCut(r, 'autonomy')).toBe(false);
    expect(isCut(r, 'replication')).toBe(false);
  });

  it('parses status records and ignores what is not one', () => {
    expect(parseStatusRecord(JSON.stringify({ status: 'restricted', restrictions: { toolsRevoked: true, probation: true }, version: 7 }))).toEqual({
      status: 'restricted',
      restrictions: { ...NO_RESTRICTIONS, toolsRevoked: true, probation: true },
      version: 7,
    });
    expect(parseStatusRecord('{"status":"sleeping"}')).toBeNull();
    expect(parseStatusRecord('not json')).toBeNull();
  });
});
