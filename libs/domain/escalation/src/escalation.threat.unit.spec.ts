import { assessThreat, decideAutomatic, decidePosture, evolvePosture, initialPosture, type FleetPostureState } from './index';

const fleet = (n: number, at: number) => Array.from({ length: n }, (_, i) => ({ agentId: `a${i}`, at }));

function withGuardian(type: 'threat_detected' | 'operator_request'): FleetPostureState {
  const d = decidePosture(
    { type: 'RequestEscalation', escalationId: 'g', toProfile: 'guardian', escalationType: type, reason: 'r', context: { confidence: 0.9 }, commandId: 'c', actor: 'x', actorRole: type === 'threat_detected' ? 'service' : 'operator', now: '2026-01-01T00:00:00.000Z' },
    initialPosture(),
  );
  return d.events.reduce((s, event) => evolvePosture(s, { event, occurredAt: '2026-01-01T00:00:00.000Z', actor: 'x' }), initialPosture());
}

describe('threat confidence and the automatic workflow', () => {
  it('is the share of the fleet: 0.8 at 30%, 1 for everyone, proportional below; old sightings do not count', () => {
    expect(assessThreat(fleet(3, 1000), 10, 1000, 30_000).confidence).toBeCloseTo(0.8);
    expect(assessThreat(fleet(10, 1000), 10, 1000, 30_000).confidence).toBeCloseTo(1);
    expect(assessThreat(fleet(1, 1000), 10, 1000, 30_000).confidence).toBeCloseTo(0.8 / 3);
    expect(assessThreat(fleet(5, 1000), 10, 100_000, 30_000)).toMatchObject({ agents: 0, confidence: 0 });
    expect(assessThreat([...fleet(3, 1000), ...fleet(3, 1000)], 10, 1000, 30_000).agents).toBe(3);
  });

  it('escalates operator → guardian at confidence ≥ 0.8, never from another posture', () => {
    const high = assessThreat(fleet(4, 0), 10, 0, 30_000);
    expect(decideAutomatic(initialPosture(), high, 0, 0, 60_000)).toMatchObject({ kind: 'escalate' });
    expect(decideAutomatic(withGuardian('operator_request'), high, 0, 0, 60_000)).toMatchObject({ kind: 'none' });
    expect(decideAutomatic(initialPosture(), assessThreat(fleet(2, 0), 10, 0, 30_000), 0, 0, 60_000)).toMatchObject({ kind: 'none' });
  });

  it('resolves an automatic escalation after the quiet period, and never a human one', () => {
    const none = assessThreat([], 10, 0, 30_000);
    const raised = Date.parse('2026-01-01T00:00:00.000Z');
    expect(decideAutomatic(withGuardian('threat_detected'), none, raised + 10, raised + 60_009, 60_000)).toMatchObject({ kind: 'none' });
    expect(decideAutomatic(withGuardian('threat_detected'), none, raised + 10, raised + 60_010, 60_000)).toEqual({ kind: 'resolve', escalationIds: ['g'] });
    // never seen a sighting: quiet counts from the moment it was raised
    expect(decideAutomatic(withGuardian('threat_detected'), none, null, raised + 59_999, 60_000)).toMatchObject({ kind: 'none' });
    expect(decideAutomatic(withGuardian('threat_detected'), none, null, raised + 60_000, 60_000)).toMatchObject({ kind: 'resolve' });
    expect(decideAutomatic(withGuardian('operator_request'), none, 0, Date.parse('2026-01-02T00:00:00.000Z'), 60_000)).toMatchObject({ kind: 'none' });
  });
});
