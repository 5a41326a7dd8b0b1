import { FULL_RESTRICTIONS, HEALED_AWAITING_RELEASE_RESTRICTIONS, NO_RESTRICTIONS, PROBATION_RESTRICTIONS } from '@immune/contracts';
import type { AgentEvent, HealingCommand } from '@immune/contracts';
import { statusOf } from './agent.status';
import { T0, T1, at, command, ev, given } from './agent.given.spec';

// The healing workflow on the agent aggregate: StartHealing, BeginProbation, PassProbation, FailHealingAction, ExhaustHealing.

const auto = () => ev.quarantined({ reasonCode: 'anomaly', healMode: 'automatic', diagnoses: [{ hypothesis: 'prompt_drift', confidence: 0.85 }] });
const start = (over: Partial<Extract<HealingCommand, { type: 'StartHealing' }>> = {}) =>
  command({ type: 'StartHealing', healingId: 'h-1', quarantineId: 'q-1', diagnosis: 'prompt_drift', trigger: 'automatic', plan: ['reset_memory', 'reset_agent'], ...over } as const);
const probation = (attempt = 1, action: 'reset_memory' | 'reset_agent' = 'reset_memory') =>
  command({ type: 'BeginProbation', healingId: 'h-1', action, attempt, detail: 'done' });
const pass = (release: boolean, attempt = 1, action: 'reset_memory' | 'reset_agent' = 'reset_memory') =>
  command({ type: 'PassProbation', healingId: 'h-1', action, attempt, vitalsJudged: 5, release });
const fail = (attempt = 1, reason: 'rejected' | 'no_reply' | 'probation_failed' | 'interrupted' = 'probation_failed', action: 'reset_memory' | 'reset_agent' = 'reset_memory') =>
  command({ type: 'FailHealingAction', healingId: 'h-1', action, attempt, reason });
const exhaust = (escalation: 'terminate' | 'await_admin' = 'await_admin') =>
  command({ type: 'ExhaustHealing', healingId: 'h-1', tried: ['reset_memory', 'reset_agent'], escalation });

const started: AgentEvent = { type: 'HealingStarted', data: { quarantineId: 'q-1', healingId: 'h-1', diagnosis: 'prompt_drift', trigger: 'automatic', plan: ['reset_memory', 'reset_agent'] } };
const onProbation = (attempt = 1, action: 'reset_memory' | 'reset_agent' = 'reset_memory'): AgentEvent => ({
  type: 'HealingProbationStarted',
  data: { quarantineId: 'q-1', healingId: 'h-1', diagnosis: 'prompt_drift', action, attempt, detail: 'done', restrictions: { ...PROBATION_RESTRICTIONS } },
});
const failed = (attempt = 1, action: 'reset_memory' | 'reset_agent' = 'reset_memory', reason: 'probation_failed' | 'rejected' | 'interrupted' = 'probation_failed'): AgentEvent => ({
  type: 'HealingActionFailed',
  data: { quarantineId: 'q-1', healingId: 'h-1', diagnosis: 'prompt_drift', action, attempt, reason, detail: null, restrictions: { ...FULL_RESTRICTIONS } },
});

describe('StartHealing', () => {
  it('opens a healing of an automatic quarantine: healing in_progress, still suspended', () => {
    const state = given([ev.registered(), auto()]).when(start()).then([started]);
    expect(state.quarantine?.healing).toBe('in_progress');
    expect(state.status).toBe('suspended');
  });

  it('is a no-op when repeated, and refuses a second healing while one runs', () => {
    given([ev.registered(), auto(), started]).when(start()).then([]);
    given([ev.registered(), auto(), started]).when(start({ healingId: 'h-2' })).then('HEALING.IN_PROGRESS');
  });

  it('never heals a manual quarantine, a pending or a rejected approval automatically', () => {
    given([ev.registered(), ev.quarantined()]).when(start()).then('HEALING.NOT_ALLOWED');
    given([ev.registered(), auto(), ev.approvalRequested()]).when(start()).then('HEALING.NOT_ALLOWED');
    given([ev.registered(), auto(), ev.approvalRequested(), ev.rejected()]).when(start()).then('HEALING.NOT_ALLOWED');
    given([ev.registered(), auto(), ev.approvalRequested(), ev.rejected()]).when(start({ trigger: 'approved' })).then('HEALING.NOT_ALLOWED');
  });

  it('starts after an approval, and after heal-now whatever the approval or heal mode', () => {
    given([ev.registered(), auto(), ev.approvalRequested(), ev.approved()]).when(start({ trigger: 'approved' })).events();
    expect(given([ev.registered(), auto(), ev.approvalRequested(), ev.approved()]).when(start({ trigger: 'approved' })).events()).toHaveLength(1);
    expect(given([ev.registered(), ev.quarantined(), ev.healRequested()]).when(start({ trigger: 'heal_now' })).events()).toHaveLength(1);
    given([ev.registered(), ev.quarantined()]).when(start({ trigger: 'heal_now' })).then('HEALING.NOT_ALLOWED');
  });

  it('refuses another quarantine, no quarantine, bad fields', () => {
    given([ev.registered(), auto()]).when(start({ quarantineId: 'q-9' })).then('HEALING.NOT_ACTIVE');
    given([ev.registered()]).when(start()).then('QUARANTINE.NOT_ACTIVE');
    given([ev.registered(), auto()]).when(start({ plan: ['reboot' as never] })).then('VALIDATION.FAILED');
    given([ev.registered(), auto()]).when(start({ trigger: 'whenever' as never })).then('VALIDATION.FAILED');
  });

  it('restarts after exhaustion only on heal-now', () => {
    const exhausted: AgentEvent = { type: 'HealingExhausted', data: { quarantineId: 'q-1', healingId: 'h-1', diagnosis: 'prompt_drift', tried: [], escalation: 'await_admin' } };
    given([ev.registered(), auto(), started, exhausted]).when(start({ healingId: 'h-2' })).then('HEALING.NOT_ALLOWED');
    const state = given([ev.registered(), auto(), started, exhausted, ev.healRequested()]).when(start({ healingId: 'h-2', trigger: 'heal_now' })).then([
      { ...started, data: { ...(started.data as object), healingId: 'h-2', trigger: 'heal_now' } } as AgentEvent,
    ]);
    expect(state.quarantine?.healing).toBe('in_progress');
  });
});

describe('probation', () => {
  it('an acknowledged action puts the agent on probation: restricted with probation: true', () => {
    const state = given([ev.registered(), auto(), started]).when(probation()).then([onProbation()]);
    expect(statusOf(state)).toEqual({ status: 'restricted', restrictions: PROBATION_RESTRICTIONS });
    expect(state.quarantine?.healing).toBe('probation');
    expect(state.quarantine?.level).toBe('restricted');
  });

  it('a passed probation releases when asked: succeeded then AgentReleased', () => {
    const state = given([ev.registered(), at(T0, auto()), started, onProbation()]).when(pass(true)).then([
      {
        type: 'HealingActionSucceeded',
        data: { quarantineId: 'q-1', healingId: 'h-1', diagnosis: 'prompt_drift', action: 'reset_memory', attempt: 1, vitalsJudged: 5, released: true, restrictions: NO_RESTRICTIONS },
      },
      { type: 'AgentReleased', data: { quarantineId: 'q-1', resolution: 'healed: reset_memory passed probation', durationSeconds: 90, restrictions: NO_RESTRICTIONS } },
    ]);
    expect(state.status).toBe('active');
    expect(state.quarantine).toBeNull();
  });

  it('without release the agent waits restricted (no probation flag) with healing succeeded', () => {
    const state = given([ev.registered(), auto(), started, onProbation()]).when(pass(false)).then([
      {
        type: 'HealingActionSucceeded',
        data: { quarantineId: 'q-1', healingId: 'h-1', diagnosis: 'prompt_drift', action: 'reset_memory', attempt: 1, vitalsJudged: 5, released: false, restrictions: HEALED_AWAITING_RELEASE_RESTRICTIONS },
      },
    ]);
    expect(statusOf(state)).toEqual({ status: 'restricted', restrictions: HEALED_AWAITING_RELEASE_RESTRICTIONS });
    expect(state.quarantine?.healing).toBe('succeeded');
  });

  it('a failed probation suspends again and is remembered for the diagnosis', () => {
    const state = given([ev.registered(), auto(), started, onProbation()]).when(fail()).then([failed()]);
    expect(statusOf(state)).toEqual({ status: 'suspended', restrictions: FULL_RESTRICTIONS });
    expect(state.quarantine?.healing).toBe('in_progress');
    expect(state.failedActions).toEqual({ prompt_drift: ['reset_memory'] });
  });

  it('a refused or unanswered action fails without probation; an interrupted one is not remembered', () => {
    expect(given([ev.registered(), auto(), started]).when(fail(1, 'no_reply')).events()[0]?.type).toBe('HealingActionFailed');
    const state = given([ev.registered(), auto(), started, failed(1, 'reset_memory', 'interrupted')]).state;
    expect(state.failedActions).toEqual({});
  });

  it('repeats are no-ops; commands for a wrong attempt or healing are refused', () => {
    given([ev.registered(), auto(), started, onProbation()]).when(probation()).then([]);
    given([ev.registered(), auto(), started, onProbation(), failed()]).when(fail()).then([]);
    given([ev.registered(), auto(), started, onProbation()]).when(pass(true, 2)).then('HEALING.NOT_ACTIVE');
    given([ev.registered(), auto(), started, onProbation(), failed()]).when(probation(1)).then('HEALING.NOT_ACTIVE');
    given([ev.registered(), auto(), started]).when(pass(true)).then('HEALING.NOT_ACTIVE');
    given([ev.registered(), auto()]).when(probation()).then('HEALING.NOT_ACTIVE');
  });

  it('a later success of the action for the diagnosis forgets its failure', () => {
    const state = given([ev.registered(), auto(), started, onProbation(), failed(), onProbation(2, 'reset_memory')]).when(pass(false, 2)).then([
      {
        type: 'HealingActionSucceeded',
        data: { quarantineId: 'q-1', healingId: 'h-1', diagnosis: 'prompt_drift', action: 'reset_memory', attempt: 2, vitalsJudged: 5, released: false, restrictions: HEALED_AWAITING_RELEASE_RESTRICTIONS },
      },
    ]);
    expect(state.failedActions).toEqual({ prompt_drift: [] });
  });
});

describe('ExhaustHealing', () => {
  it('marks healing exhausted and keeps the agent suspended; a repeat is a no-op', () => {
    const exhausted: AgentEvent = {
      type: 'HealingExhausted',
      data: { quarantineId: 'q-1', healingId: 'h-1', diagnosis: 'prompt_drift', tried: ['reset_memory', 'reset_agent'], escalation: 'await_admin' },
    };
    const state = given([ev.registered(), auto(), started, failed()]).when(exhaust()).then([exhausted]);
    expect(state.status).toBe('suspended');
    expect(state.quarantine?.healing).toBe('exhausted');
    expect(state.quarantine?.healingEndedAt).toBe(T1);
    given([ev.registered(), auto(), started, failed(), exhausted]).when(exhaust()).then([]);
  });

  it('is refused while on probation', () => {
    given([ev.registered(), auto(), started, onProbation()]).when(exhaust()).then('HEALING.NOT_ACTIVE');
  });
});
