import { FULL_RESTRICTIONS } from '@immune/contracts';
import type { AgentEvent, ReportInfection } from '@immune/contracts';
import { infectionReason } from './agent.decide';
import { evolve } from './agent.state';
import { T1, at, command, ev, given } from './agent.given.spec';

// ReportInfection (the sentinel's command), the operator's approval, rejection and heal-now.

const SENTINEL = { actor: 'sentinel' };
const diagnoses = [{ hypothesis: 'tool_instability', confidence: 0.6, evidence: ['latency_spike'] }];
const forensic = { recentVitals: [{ latencyMs: 9000 }], baseline: { latencyMs: { mean: 120 } } };

const infection = (over: Partial<ReportInfection> = {}, meta: Partial<{ actor: string; now: string }> = SENTINEL) =>
  command(
    {
      type: 'ReportInfection',
      detectionId: 'd-1',
      quarantineId: 'q-1',
      anomalies: [{ type: 'latency_spike', metric: 'latencyMs', sigma: 7.2 }],
      deviation: 7.2,
      severity: 'high',
      diagnoses,
      requiresApproval: true,
      enforce: true,
      fleetWide: false,
      forensic,
      ...over,
    },
    meta,
  );
const approve = (reason?: string | null) => command({ type: 'ApproveHealing', ...(reason !== undefined ? { reason } : {}) });
const reject = (reason?: string | null) => command({ type: 'RejectHealing', ...(reason !== undefined ? { reason } : {}) });
const heal = (reason?: string | null) => command({ type: 'RequestHealing', ...(reason !== undefined ? { reason } : {}) });

const detected = (over: Parameters<typeof ev.anomaly>[0] = {}) => ev.anomaly({ diagnoses, ...over });
const autoQuarantined = () =>
  ev.quarantined({
    reasonCode: 'anomaly',
    reason: 'latency_spike at 7.2σ',
    severity: 'high',
    source: 'sentinel',
    healMode: 'automatic',
    diagnoses,
    deviation: 7.2,
    forensic,
  });

const registered = [ev.registered()];
const manual = [ev.registered(), ev.quarantined()];
const automatic = [ev.registered(), detected(), autoQuarantined()];
const pending = [...automatic, ev.approvalRequested()];
const approved = [...pending, ev.approved()];
const rejected = [...pending, ev.rejected()];
const released = [...pending, ev.released()];
const terminated = [ev.registered(), ev.terminated()];

describe('agent decider: infection, approval and heal-now', () => {
  describe('ReportInfection', () => {
    it('records the anomaly, suspends the agent and asks for approval', () => {
      const state = given(registered)
        .when(infection())
        .then([
          detected(),
          autoQuarantined(),
          { type: 'ApprovalRequested', data: { quarantineId: 'q-1', deviation: 7.2, reason: 'latency_spike at 7.2σ' } },
        ]);
      expect(state.status).toBe('suspended');
      expect(state.restrictions).toEqual(FULL_RESTRICTIONS);
      expect(state.quarantine).toMatchObject({
        quarantineId: 'q-1',
        level: 'suspended',
        reasonCode: 'anomaly',
        source: 'sentinel',
        healMode: 'automatic',
        expiresAt: null,
        approval: 'pending',
        healRequestedAt: null,
        deviation: 7.2,
        diagnoses,
      });
    });

    it('quarantines without an approval request below the approval threshold (approval none)', () => {
      const state = given(registered)
        .when(infection({ requiresApproval: false, deviation: 3.1, severity: 'medium', anomalies: [{ type: 'cost_spike', metric: 'costUsd', sigma: 3.1 }] }))
        .then([
          detected({ deviation: 3.1, severity: 'medium', anomalies: [{ type: 'cost_spike', metric: 'costUsd', sigma: 3.1 }] }),
          ev.quarantined({
            reasonCode: 'anomaly',
            reason: 'cost_spike at 3.1σ',
            severity: 'medium',
            source: 'sentinel',
            healMode: 'automatic',
            diagnoses,
            deviation: 3.1,
            forensic,
          }),
        ]);
      expect(state.quarantine?.approval).toBe('none');
    });

    it('takes the source from the actor', () => {
      const events = given(registered).when(infection({}, { actor: 'sentinel-2' })).events();
      expect(events[1]).toMatchObject({ type: 'AgentQuarantined', data: { source: 'sentinel-2' } });
    });

    it.each<[string, Partial<ReportInfection>]>([
      ['observe mode (enforce false)', { enforce: false }],
      ['a fleet-wide event', { fleetWide: true }],
      ['observe mode and fleet-wide', { enforce: false, fleetWide: true }],
    ])('only records the anomaly in %s, with enforced false and no quarantine', (_label, over) => {
      const state = given(registered)
        .when(infection(over))
        .then([detected({ enforced: false, fleetWide: over.fleetWide ?? false, quarantineId: null })]);
      expect(state.status).toBe('active');
      expect(state.quarantine).toBeNull();
    });

    it.each([
      ['a manual quarantine', manual],
      ['an automatic quarantine pending approval', pending],
      ['a restricted quarantine', [ev.registered(), ev.quarantined({ level: 'restricted' })]],
    ])('only records a second anomaly during %s (enforced false, nothing new)', (_label, history) => {
      const before = given(history).state;
      const state = given(history)
        .when(infection({ detectionId: 'd-2', quarantineId: 'q-2' }))
        .then([detected({ detectionId: 'd-2', enforced: false, quarantineId: null })]);
      expect(state).toEqual(before);
    });

    it('quarantines again after a release, with the new quarantine id', () => {
      const events = given(released).when(infection({ detectionId: 'd-2', quarantineId: 'q-2', requiresApproval: false })).events();
      expect(events.map((e) => e.type)).toEqual(['AnomalyDetected', 'AgentQuarantined']);
      expect(events[1]).toMatchObject({ data: { quarantineId: 'q-2' } });
    });

    it('is a no-op on a terminated agent, even when malformed', () => {
      given(terminated).when(infection()).then([]);
      given(terminated).when(infection({ anomalies: [] })).then([]);
    });

    it('refuses AGENT.NOT_FOUND for an unregistered agent', () => {
      given().when(infection()).then('AGENT.NOT_FOUND');
    });

    it('copies diagnoses instead of sharing them between the two events', () => {
      const [a, q] = given(registered).when(infection()).events();
      expect(a?.type === 'AnomalyDetected' && q?.type === 'AgentQuarantined' && a.data.diagnoses[0] !== q.data.diagnoses[0]).toBe(true);
    });

    describe('validation', () => {
      it.each<[string, Partial<ReportInfection>, string]>([
        ['a blank detectionId', { detectionId: ' ' }, 'detectionId'],
        ['a missing quarantineId', { quarantineId: undefined as unknown as string }, 'quarantineId'],
        ['no anomalies', { anomalies: [] }, 'anomalies'],
        ['anomalies not an array', { anomalies: {} as never }, 'anomalies'],
        ['an anomaly that is not an object', { anomalies: ['latency'] as never }, 'anomalies[0]'],
        ['an anomaly without a type', { anomalies: [{ type: '', metric: 'latencyMs', sigma: 3 }] }, 'anomalies[0].type'],
        ['an anomaly without a metric', { anomalies: [{ type: 'latency_spike', sigma: 3 } as never] }, 'anomalies[0].metric'],
        ['a negative sigma', { anomalies: [{ type: 'latency_spike', metric: 'latencyMs', sigma: -1 }] }, 'anomalies[0].sigma'],
        ['a NaN sigma', { anomalies: [{ type: 'latency_spike', metric: 'latencyMs', sigma: Number.NaN }] }, 'anomalies[0].sigma'],
        ['a missing deviation', { deviation: undefined as unknown as number }, 'deviation'],
        ['an infinite deviation', { deviation: Number.POSITIVE_INFINITY }, 'deviation'],
        ['a missing severity', { severity: undefined as never }, 'severity'],
        ['an unknown severity', { severity: 'urgent' as never }, 'severity'],
        ['a diagnosis confidence above 1', { diagnoses: [{ hypothesis: 'x', confidence: 2 }] }, 'diagnoses[0].confidence'],
        ['requiresApproval not a boolean', { requiresApproval: 'yes' as never }, 'requiresApproval'],
        ['enforce missing', { enforce: undefined as never }, 'enforce'],
        ['fleetWide not a boolean', { fleetWide: 1 as never }, 'fleetWide'],
        ['a forensic that is an array', { forensic: [] as never }, 'forensic'],
      ])('refuses %s with VALIDATION.FAILED', (_label, over, field) => {
        const err = given(registered).when(infection(over)).then('VALIDATION.FAILED');
        expect(err.extra['field']).toBe(field);
      });

      it('validates also when the agent is already quarantined', () => {
        given(pending).when(infection({ severity: 'urgent' as never })).then('VALIDATION.FAILED');
      });

      it('accepts a null forensic and no diagnoses', () => {
        const events = given(registered).when(infection({ forensic: null, diagnoses: undefined as never })).events();
        expect(events[1]).toMatchObject({ data: { forensic: null, diagnoses: [] } });
      });
    });
  });

  describe('infectionReason', () => {
    it.each([
      [[{ type: 'latency_spike', metric: 'latencyMs', sigma: 7.24 }], 'latency_spike at 7.2σ'],
      [
        [
          { type: 'token_spike', metric: 'tokens', sigma: 3 },
          { type: 'prompt_change', metric: 'promptHash', sigma: 10 },
        ],
        'prompt_change at 10.0σ (and 1 more anomaly)',
      ],
      [
        [
          { type: 'a', metric: 'x', sigma: 4 },
          { type: 'b', metric: 'y', sigma: 4 },
          { type: 'c', metric: 'z', sigma: 1 },
        ],
        'a at 4.0σ (and 2 more anomalies)',
      ],
      [[], 'anomaly detected'],
    ])('%j → %s', (anomalies, reason) => {
      expect(infectionReason(anomalies)).toBe(reason);
    });
  });

  describe.each([
    ['ApproveHealing', approve, 'HealingApproved', 'approved'],
    ['RejectHealing', reject, 'HealingRejected', 'rejected'],
  ] as const)('%s', (_name, cmd, type, approval) => {
    it(`settles a pending approval as ${approval}`, () => {
      const state = given(pending)
        .when(cmd())
        .then([{ type, data: { quarantineId: 'q-1', reason: null } }]);
      expect(state.quarantine?.approval).toBe(approval);
      expect(state.status).toBe('suspended');
    });

    it('carries a trimmed reason', () => {
      given(pending)
        .when(cmd('  looked at the traces  '))
        .then([{ type, data: { quarantineId: 'q-1', reason: 'looked at the traces' } }]);
    });

    it.each([
      ['a manual quarantine (approval none)', manual, 'none'],
      ['an automatic quarantine that needs no approval', automatic, 'none'],
      ['an approved quarantine', approved, 'approved'],
      ['a rejected quarantine', rejected, 'rejected'],
      ['a quarantine healed now', [...pending, ev.healRequested()], 'approved'],
    ])('refuses APPROVAL.NOT_PENDING on %s', (_label, history, current) => {
      const err = given(history).when(cmd()).then('APPROVAL.NOT_PENDING');
      expect(err.status).toBe(409);
      expect(err.extra).toMatchObject({ quarantineId: 'q-1', approval: current });
    });

    it.each([
      ['never quarantined', registered],
      ['released', released],
    ])('refuses QUARANTINE.NOT_ACTIVE on an agent %s', (_label, history) => {
      given(history).when(cmd()).then('QUARANTINE.NOT_ACTIVE');
    });

    it.each([
      ['a blank reason', '  '],
      ['a reason that is not a string', 42 as unknown as string],
    ])('refuses %s with VALIDATION.FAILED', (_label, reason) => {
      expect(given(pending).when(cmd(reason)).then('VALIDATION.FAILED').extra['field']).toBe('reason');
    });

    it('treats a null reason as none', () => {
      given(pending).when(cmd(null)).then([{ type, data: { quarantineId: 'q-1', reason: null } }]);
    });
  });

  describe('RequestHealing (heal now)', () => {
    it.each([
      ['a manual quarantine', manual, 'none'],
      ['an automatic quarantine', automatic, 'none'],
      ['a pending approval', pending, 'approved'],
      ['an approved quarantine', approved, 'approved'],
      ['a rejected quarantine', rejected, 'approved'],
    ])('heals %s now; approval becomes %s', (_label, history, approval) => {
      const state = given(history)
        .when(heal('operator says so'))
        .then([{ type: 'HealingRequested', data: { quarantineId: 'q-1', reason: 'operator says so' } }]);
      expect(state.quarantine).toMatchObject({ approval, healRequestedAt: T1 });
      expect(state.status).toBe('suspended');
    });

    it('may be asked again; each request is recorded', () => {
      given([...manual, ev.healRequested()]).when(heal()).then([{ type: 'HealingRequested', data: { quarantineId: 'q-1', reason: null } }]);
    });

    it.each([
      ['never quarantined', registered],
      ['released', released],
    ])('refuses QUARANTINE.NOT_ACTIVE on an agent %s', (_label, history) => {
      given(history).when(heal()).then('QUARANTINE.NOT_ACTIVE');
    });

    it('refuses a blank reason with VALIDATION.FAILED', () => {
      given(manual).when(heal(' ')).then('VALIDATION.FAILED');
    });

    it('settles a pending approval so approving afterwards is refused', () => {
      const state = given(pending).when(heal()).then([{ type: 'HealingRequested', data: { quarantineId: 'q-1', reason: null } }]);
      expect(() => given([...pending, ev.healRequested()]).when(approve()).events()).toThrow(
        expect.objectContaining({ code: 'APPROVAL.NOT_PENDING' }),
      );
      expect(state.quarantine?.approval).toBe('approved');
    });
  });

  describe('evolve', () => {
    it('records AnomalyDetected without changing the state', () => {
      const state = given(manual).state;
      expect(evolve(state, detected({ enforced: false, quarantineId: null }), T1)).toBe(state);
    });

    it('starts a quarantine with approval none and no heal request', () => {
      expect(given(automatic).state.quarantine).toMatchObject({ approval: 'none', healRequestedAt: null });
      expect(given(manual).state.quarantine).toMatchObject({ approval: 'none', healRequestedAt: null, healMode: 'manual' });
    });

    it.each<[string, AgentEvent]>([
      ['ApprovalRequested', ev.approvalRequested('q-other')],
      ['HealingApproved', ev.approved('q-other')],
      ['HealingRejected', ev.rejected('q-other')],
      ['HealingRequested', ev.healRequested('q-other')],
    ])('ignores %s of another quarantine entry, or with none open', (_label, e) => {
      const state = given(pending).state;
      expect(evolve(state, e, T1)).toBe(state);
      const active = given(released).state;
      expect(evolve(active, { ...e, data: { ...e.data, quarantineId: 'q-1' } } as AgentEvent, T1)).toBe(active);
    });

    it('walks pending → rejected → heal-now (approved), keeping the time of the request', () => {
      const state = given([...pending, at(T1, ev.rejected()), at('2025-03-01T10:03:00.000Z', ev.healRequested())]).state;
      expect(state.quarantine).toMatchObject({ approval: 'approved', healRequestedAt: '2025-03-01T10:03:00.000Z' });
    });

    it('forgets the approval with the entry: a new quarantine starts at none', () => {
      const state = given([...approved, ev.released(), ev.quarantined({ quarantineId: 'q-2' })]).state;
      expect(state.quarantine).toMatchObject({ quarantineId: 'q-2', approval: 'none', healRequestedAt: null });
    });

    it('changes nothing on a terminated agent', () => {
      const state = given(terminated).state;
      for (const e of [detected(), ev.approvalRequested(), ev.approved(), ev.rejected(), ev.healRequested()]) {
        expect(evolve(state, e, T1)).toBe(state);
      }
    });
  });
});
