import { FULL_RESTRICTIONS, NO_RESTRICTIONS } from '@immune/contracts';
import { restrictionsFor } from './agent.restrictions';
import { initialState } from './agent.state';
import { statusOf, statusRecord } from './agent.status';
import { ev, given } from './agent.given.spec';

describe('agent status record (the KV value agents watch)', () => {
  it.each([
    ['an unregistered agent', [], 'active', NO_RESTRICTIONS],
    ['a registered agent', [ev.registered()], 'active', NO_RESTRICTIONS],
    ['a restricted agent', [ev.registered(), ev.quarantined({ level: 'restricted' })], 'restricted', FULL_RESTRICTIONS],
    ['a suspended agent', [ev.registered(), ev.quarantined()], 'suspended', FULL_RESTRICTIONS],
    ['a released agent', [ev.registered(), ev.quarantined(), ev.released()], 'active', NO_RESTRICTIONS],
    ['a terminated agent', [ev.registered(), ev.terminated()], 'terminated', FULL_RESTRICTIONS],
  ])('is {status, restrictions, version} for %s', (_label, history, status, restrictions) => {
    const state = given(history).state;
    expect(statusRecord(state, 17)).toEqual({ status, restrictions, version: 17 });
    expect(statusOf(state)).toEqual({ status, restrictions });
  });

  it('passes the caller’s version through unchanged', () => {
    expect(statusRecord(initialState('a'), 0).version).toBe(0);
    expect(statusRecord(initialState('a'), 123_456).version).toBe(123_456);
  });

  it('returns a copy of the restrictions', () => {
    const state = initialState('a');
    const record = statusRecord(state, 1);
    record.restrictions.toolsRevoked = true;
    expect(state.restrictions.toolsRevoked).toBe(false);
  });
});

describe('restrictionsFor', () => {
  it.each(['restricted', 'suspended', 'terminated'] as const)('cuts everything but probation at %s, as a fresh object', (level) => {
    const r = restrictionsFor(level);
    expect(r).toEqual({ toolsRevoked: true, autonomyReduced: true, replicationBlocked: true, networkRestricted: true, probation: false });
    expect(r).not.toBe(FULL_RESTRICTIONS);
    expect(Object.isFrozen(r)).toBe(false);
  });
});
