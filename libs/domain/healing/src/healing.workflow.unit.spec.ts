import { postureEffects, type AgentEvent, type HealingAction } from '@immune/contracts';
import { replay, type AgentState } from '@immune/domain-quarantine';
import { actionOutcome, exhaustionCommand, nextHealingStep, releaseAfterProbation, triggerOf } from './healing.workflow';
import type { HealingContext } from './healing.workflow';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T00:01:00.000Z';
const T2 = '2026-01-01T00:02:00.000Z';

const ctx = (over: Partial<HealingContext> = {}): HealingContext => ({
  posture: postureEffects('operator'),
  fleet: {},
  policy: { autoTerminate: false },
  newHealingId: 'h-1',
  ...over,
});

const registered: AgentEvent = { type: 'AgentRegistered', data: { model: null, agentType: null, mcpServers: [] } };
const quarantined = (healMode: 'automatic' | 'manual' = 'automatic', hypothesis = 'memory_corruption'): AgentEvent => ({
  type: 'AgentQuarantined',
  data: {
    quarantineId: 'q-1', level: 'suspended', reasonCode: 'anomaly', reason: 'r', severity: 'medium', source: 'sentinel', expiresAt: null,
    restrictions: { toolsRevoked: true, autonomyReduced: true, replicationBlocked: true, networkRestricted: true, probation: false },
    healMode, diagnoses: [{ hypothesis, confidence: 0.65 }], deviation: 3, forensic: null,
  },
});
const approvalRequested: AgentEvent = { type: 'ApprovalRequested', data: { quarantineId: 'q-1', deviation: 7, reason: 'r' } };
const approved: AgentEvent = { type: 'HealingApproved', data: { quarantineId: 'q-1', reason: null } };
const rejected: AgentEvent = { type: 'HealingRejected', data: { quarantineId: 'q-1', reason: null } };
const healNow: AgentEvent = { type: 'HealingRequested', data: { quarantineId: 'q-1', reason: null } };
const started = (plan: HealingAction[] = ['reset_memory', 'reset_agent'], healingId = 'h-1'): AgentEvent => ({
  type: 'HealingStarted', data: { quarantineId: 'q-1', healingId, diagnosis: 'memory_corruption', trigger: 'automatic', plan },
});
const probation = (action: HealingAction, attempt: number): AgentEvent => ({
  type: 'HealingProbationStarted',
  data: { quarantineId: 'q-1', healingId: 'h-1', diagnosis: 'memory_corruption', action, attempt, detail: null, restrictions: { toolsRevoked: false, autonomyReduced: true, replicationBlocked: true, networkRestricted: false, probation: true } },
});
const failed = (action: HealingAction, attempt: number): AgentEvent => ({
  type: 'HealingActionFailed',
  data: { quarantineId: 'q-1', healingId: 'h-1', diagnosis: 'memory_corruption', action, attempt, reason: 'probation_failed', detail: null, restrictions: { toolsRevoked: true, autonomyReduced: true, replicationBlocked: true, networkRestricted: true, probation: false } },
});
const exhausted: AgentEvent = { type: 'HealingExhausted', data: { quarantineId: 'q-1', healingId: 'h-1', diagnosis: 'memory_corruption', tried: ['reset_memory', 'reset_agent'], escalation: 'await_admin' } };

const state = (...events: Array<AgentEvent | [string, AgentEvent]>): AgentState =>
  replay(events.map((e) => (Array.isArray(e) ? { occurredAt: e[0], event: e[1] } : { occurredAt: T0, event: e })), 'a-1');

describe('when healing starts', () => {
  it('starts an automatic quarantine below the approval threshold at once, with the ladder of its diagnosis', () => {
    expect(nextHealingStep(state(registered, quarantined()), ctx())).toEqual({
      kind: 'start', healingId: 'h-1', quarantineId: 'q-1', trigger: 'automatic', diagnosis: 'memory_corruption', plan: ['reset_memory', 'reset_agent'],
    });
  });

  it('waits while approval is pending, starts once approved, stays idle after a rejection until heal-now', () => {
    expect(nextHealingStep(state(registered, quarantined(), approvalRequested), ctx())).toEqual({ kind: 'ignore', reason: 'awaiting approval' });
    expect(nextHealingStep(state(registered, quarantined(), approvalRequested, approved), ctx())).toMatchObject({ kind: 'start', trigger: 'approved' });
    expect(nextHealingStep(state(registered, quarantined(), approvalRequested, rejected), ctx())).toEqual({ kind: 'ignore', reason: 'approval rejected: waits for heal-now' });
    expect(nextHealingStep(state(registered, quarantined(), approvalRequested, rejected, healNow), ctx())).toMatchObject({ kind: 'start', trigger: 'heal_now' });
  });

  it('never heals a manual quarantine on its own; heal-now starts it', () => {
    expect(nextHealingStep(state(registered, quarantined('manual')), ctx())).toEqual({ kind: 'ignore', reason: 'manual quarantine: waits for heal-now' });
    expect(nextHealingStep(state(registered, quarantined('manual'), healNow), ctx())).toMatchObject({ kind: 'start', trigger: 'heal_now' });
  });

  it('follows the posture: phoenix needs an approval, sovereign a human, both accept heal-now', () => {
    const s = state(registered, quarantined());
    expect(nextHealingStep(s, ctx({ posture: postureEffects('phoenix') }))).toEqual({ kind: 'ignore', reason: 'posture: healing needs approval' });
    expect(nextHealingStep(s, ctx({ posture: postureEffects('sovereign') }))).toEqual({ kind: 'ignore', reason: 'posture: every action waits for a human' });
    expect(nextHealingStep(s, ctx({ posture: postureEffects('guardian') }))).toMatchObject({ kind: 'start' });
    expect(nextHealingStep(state(registered, quarantined(), healNow), ctx({ posture: postureEffects('sovereign') }))).toMatchObject({ kind: 'start', trigger: 'heal_now' });
  });

  it('ignores agents that are unknown, active or terminated', () => {
    expect(nextHealingStep(state(), ctx())).toEqual({ kind: 'ignore', reason: 'unknown agent' });
    expect(nextHealingStep(state(registered), ctx())).toEqual({ kind: 'ignore', reason: 'not quarantined' });
    const terminated: AgentEvent = { type: 'AgentTerminated', data: { quarantineId: 'q-1', resolution: 'x', durationSeconds: 1, restrictions: { toolsRevoked: true, autonomyReduced: true, replicationBlocked: true, networkRestricted: true, probation: false } } };
    expect(nextHealingStep(state(registered, quarantined(), terminated), ctx())).toEqual({ kind: 'ignore', reason: 'terminated' });
  });

  it('falls back to unknown for a diagnosis without a ladder', () => {
    expect(nextHealingStep(state(registered, quarantined('automatic', 'martian')), ctx())).toMatchObject({ diagnosis: 'unknown', plan: ['reset_memory', 'reduce_autonomy', 'reset_agent'] });
  });

  it('skips actions that failed before for this agent and diagnosis, in an earlier quarantine', () => {
    const released: AgentEvent = { type: 'AgentReleased', data: { quarantineId: 'q-1', resolution: 'ok', durationSeconds: 1, restrictions: { toolsRevoked: false, autonomyReduced: false, replicationBlocked: false, networkRestricted: false, probation: false } } };
    const again: AgentEvent = { ...quarantined(), data: { ...(quarantined().data as object), quarantineId: 'q-2' } } as AgentEvent;
    const s = state(registered, quarantined(), started(), probation('reset_memory', 1), failed('reset_memory', 1), released, again);
    expect(nextHealingStep(s, ctx({ newHealingId: 'h-2' }))).toMatchObject({ kind: 'start', quarantineId: 'q-2', plan: ['reset_agent'] });
  });
});

describe('during a healing', () => {
  it('sends the next untried action of the plan with a deterministic command id', () => {
    expect(nextHealingStep(state(registered, quarantined(), started()), ctx())).toEqual({
      kind: 'send', healingId: 'h-1', action: 'reset_memory', attempt: 1, commandId: 'h-1.1', diagnosis: 'memory_corruption',
    });
    expect(nextHealingStep(state(registered, quarantined(), started(), probation('reset_memory', 1), failed('reset_memory', 1)), ctx())).toMatchObject({
      kind: 'send', action: 'reset_agent', attempt: 2, commandId: 'h-1.2',
    });
  });

  it('resumes judging a probation in progress (e.g. after a restart)', () => {
    expect(nextHealingStep(state(registered, quarantined(), started(), probation('reset_memory', 1)), ctx())).toEqual({ kind: 'judge', healingId: 'h-1', action: 'reset_memory', attempt: 1 });
  });

  it('exhausts when every action was tried, awaiting an admin unless the policy terminates', () => {
    const s = state(registered, quarantined(), started(), failed('reset_memory', 1), failed('reset_agent', 2));
    expect(nextHealingStep(s, ctx())).toEqual({ kind: 'exhaust', healingId: 'h-1', tried: ['reset_memory', 'reset_agent'], escalation: 'await_admin' });
    expect(nextHealingStep(s, ctx({ policy: { autoTerminate: true } }))).toMatchObject({ kind: 'exhaust', escalation: 'terminate' });
  });

  it('exhausted waits for an admin; a later heal-now starts again with the whole ladder', () => {
    const s = state(registered, quarantined(), started(), failed('reset_memory', 1), failed('reset_agent', 2), [T1, exhausted]);
    expect(nextHealingStep(s, ctx())).toEqual({ kind: 'ignore', reason: 'healing exhausted: waits for an admin (or heal-now)' });
    const again = state(registered, quarantined(), started(), failed('reset_memory', 1), failed('reset_agent', 2), [T1, exhausted], [T2, healNow]);
    expect(nextHealingStep(again, ctx({ newHealingId: 'h-2' }))).toMatchObject({ kind: 'start', healingId: 'h-2', trigger: 'heal_now', plan: ['reset_memory', 'reset_agent'] });
  });

  it('an exhaustion that asked for termination is finished from the log when the healer stopped before terminating', () => {
    const exhaustedTerminate: AgentEvent = { ...exhausted, data: { ...exhausted.data, escalation: 'terminate' } } as AgentEvent;
    const s = state(registered, quarantined(), started(), failed('reset_memory', 1), failed('reset_agent', 2), [T1, exhaustedTerminate]);
    // Whatever the healer's policy is now: the log says what the exhaustion decided.
    expect(nextHealingStep(s, ctx())).toEqual({ kind: 'exhaust', healingId: 'h-1', tried: ['reset_memory', 'reset_agent'], escalation: 'terminate' });
    const terminated: AgentEvent = { type: 'AgentTerminated', data: { quarantineId: 'q-1', resolution: 'healing exhausted', durationSeconds: 60, restrictions: { toolsRevoked: true, autonomyReduced: true, replicationBlocked: true, networkRestricted: true, probation: false } } };
    expect(nextHealingStep(state(registered, quarantined(), started(), failed('reset_memory', 1), failed('reset_agent', 2), [T1, exhaustedTerminate], terminated), ctx())).toEqual({ kind: 'ignore', reason: 'terminated' });
    // A heal-now after the exhaustion is a human decision and wins.
    const again = state(registered, quarantined(), started(), failed('reset_memory', 1), failed('reset_agent', 2), [T1, exhaustedTerminate], [T2, healNow]);
    expect(nextHealingStep(again, ctx({ newHealingId: 'h-2' }))).toMatchObject({ kind: 'start', healingId: 'h-2' });
  });

  it('a healed agent that was not released waits for an operator', () => {
    const succeeded: AgentEvent = {
      type: 'HealingActionSucceeded',
      data: { quarantineId: 'q-1', healingId: 'h-1', diagnosis: 'memory_corruption', action: 'reset_memory', attempt: 1, vitalsJudged: 5, released: false, restrictions: { toolsRevoked: false, autonomyReduced: true, replicationBlocked: true, networkRestricted: false, probation: false } },
    };
    expect(nextHealingStep(state(registered, quarantined(), started(), probation('reset_memory', 1), succeeded), ctx())).toEqual({ kind: 'ignore', reason: 'healed: waits for an operator to release it' });
  });
});

describe('outcomes', () => {
  it('an ok reply means probation, a refusal or a timeout a failed action', () => {
    expect(actionOutcome({ commandId: 'c', ok: true, detail: 'memory wiped' }, 5000)).toEqual({ kind: 'probation', detail: 'memory wiped' });
    expect(actionOutcome({ commandId: 'c', ok: false }, 5000)).toEqual({ kind: 'failed', reason: 'rejected', detail: 'the agent refused the action' });
    expect(actionOutcome(null, 5000)).toEqual({ kind: 'failed', reason: 'no_reply', detail: 'no reply within 5000 ms' });
  });

  it('exhaustion terminates only with autoTerminate', () => {
    expect(exhaustionCommand('await_admin', ['reset_agent'])).toBeNull();
    expect(exhaustionCommand('terminate', ['reset_agent'])).toMatchObject({ type: 'EscalateAgent', mayTerminate: true });
  });

  it('releases after probation only where the posture allows it', () => {
    expect(releaseAfterProbation(postureEffects('operator'))).toBe(true);
    expect(releaseAfterProbation(postureEffects('observer'))).toBe(true);
    expect(releaseAfterProbation(postureEffects('guardian'))).toBe(false);
    expect(releaseAfterProbation(postureEffects('phoenix'))).toBe(false);
  });

  it('triggerOf prefers heal-now over everything', () => {
    const q = state(registered, quarantined('manual'), healNow).quarantine;
    expect(q && triggerOf(q, postureEffects('sovereign'))).toBe('heal_now');
  });
});
