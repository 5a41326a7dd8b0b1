import {
  EXHAUSTION_ESCALATIONS,
  HEALED_AWAITING_RELEASE_RESTRICTIONS,
  HEALING_FAILURE_REASONS,
  HEALING_TRIGGERS,
  PROBATION_RESTRICTIONS,
  isHealingAction,
} from '@immune/contracts';
import type {
  AgentEvent,
  BeginProbation,
  CommandMeta,
  ExhaustHealing,
  FailHealingAction,
  HealingAction,
  PassProbation,
  StartHealing,
} from '@immune/contracts';
import { agentErrors } from './agent.errors';
import { releasedRestrictions, restrictionsFor } from './agent.restrictions';
import type { ActiveQuarantine, AgentState } from './agent.state';
import { elapsedSeconds } from './agent.time';
import { optionalText, requireOneOf, requireText } from './agent.validation';

type Cmd<T> = T & CommandMeta;

/**
 * The healing commands (sent by the healer). Each names its healing by `healingId`; a repeat of a command
 * already applied decides nothing (the healer retries after a crash), a command about another healing than the
 * open one is refused with HEALING.NOT_ACTIVE.
 */

/**
 * Opens a healing of the open quarantine. The trigger must hold in the aggregate, so no healer bug can heal what
 * an operator held back: `automatic` only for automatic quarantines without a pending or rejected approval,
 * `approved` only after an approval, `heal_now` only after a heal-now request.
 */
export function startHealing(command: Cmd<StartHealing>, state: AgentState): AgentEvent[] {
  const healingId = requireText(command.healingId, 'healingId');
  const quarantineId = requireText(command.quarantineId, 'quarantineId');
  const diagnosis = requireText(command.diagnosis, 'diagnosis');
  const trigger = requireOneOf(command.trigger, HEALING_TRIGGERS, 'trigger');
  const plan = actionList(command.plan, 'plan');
  const q = state.quarantine;
  if (q === null) throw agentErrors.notQuarantined(state.agentId, 'heal it');
  if (q.quarantineId !== quarantineId) throw agentErrors.healingNotActive(state.agentId, healingId, `is for quarantine ${quarantineId}, not the open ${q.quarantineId}`);
  if (q.healingId === healingId) return [];
  if (q.healing === 'in_progress' || q.healing === 'probation') throw agentErrors.healingInProgress(state.agentId, q.healingId ?? '');
  switch (trigger) {
    case 'automatic':
      if (q.healMode !== 'automatic') throw agentErrors.healingNotAllowed(state.agentId, 'a manual quarantine is healed only on heal-now');
      if (q.approval === 'pending' || q.approval === 'rejected') throw agentErrors.healingNotAllowed(state.agentId, `approval is ${q.approval}`);
      if (q.healing !== 'idle') throw agentErrors.healingNotAllowed(state.agentId, `healing is ${q.healing}; heal-now starts it again`);
      break;
    case 'approved':
      if (q.approval !== 'approved') throw agentErrors.healingNotAllowed(state.agentId, `approval is ${q.approval}`);
      if (q.healing !== 'idle') throw agentErrors.healingNotAllowed(state.agentId, `healing is ${q.healing}; heal-now starts it again`);
      break;
    case 'heal_now':
      if (q.healRequestedAt === null) throw agentErrors.healingNotAllowed(state.agentId, 'no heal-now was requested');
      break;
    default: {
      const unknownTrigger: never = trigger;
      throw agentErrors.invalid('trigger', `unknown trigger ${String(unknownTrigger)}`);
    }
  }
  return [{ type: 'HealingStarted', data: { quarantineId, healingId, diagnosis, trigger, plan } }];
}

/** The agent acknowledged the action: probation (`restricted`, `probation: true`). */
export function beginProbation(command: Cmd<BeginProbation>, state: AgentState): AgentEvent[] {
  const { healingId, q } = openHealing(command.healingId, state);
  const action = requireAction(command.action, 'action');
  const attempt = requireAttempt(command.attempt);
  const detail = optionalText(command.detail, 'detail');
  if (q.healing === 'probation' && q.healingAttempt === attempt && q.healingAction === action) return [];
  if (q.healing !== 'in_progress') throw agentErrors.healingNotActive(state.agentId, healingId, `is ${q.healing}, not waiting for an action`);
  if (attempt <= q.healingAttempt) throw agentErrors.healingNotActive(state.agentId, healingId, `attempt ${attempt} is already decided`);
  return [
    {
      type: 'HealingProbationStarted',
      data: {
        quarantineId: q.quarantineId,
        healingId,
        diagnosis: q.healingDiagnosis ?? 'unknown',
        action,
        attempt,
        detail,
        restrictions: { ...PROBATION_RESTRICTIONS },
      },
    },
  ];
}

/** Probation passed: the action succeeded; released at once when `release`, else restricted until an operator releases. */
export function passProbation(command: Cmd<PassProbation>, state: AgentState, nowMs: number): AgentEvent[] {
  const { healingId, q } = openHealing(command.healingId, state);
  const action = requireAction(command.action, 'action');
  const attempt = requireAttempt(command.attempt);
  const vitalsJudged = command.vitalsJudged;
  if (typeof vitalsJudged !== 'number' || !Number.isSafeInteger(vitalsJudged) || vitalsJudged < 0) {
    throw agentErrors.invalid('vitalsJudged', 'must be an integer ≥ 0');
  }
  if (typeof command.release !== 'boolean') throw agentErrors.invalid('release', 'must be true or false');
  if (q.healing === 'succeeded' && q.healingAttempt === attempt) return [];
  if (q.healing !== 'probation' || q.healingAttempt !== attempt || q.healingAction !== action) {
    throw agentErrors.healingNotActive(state.agentId, healingId, `has no probation of ${action} (attempt ${attempt})`);
  }
  const release = command.release;
  const events: AgentEvent[] = [
    {
      type: 'HealingActionSucceeded',
      data: {
        quarantineId: q.quarantineId,
        healingId,
        diagnosis: q.healingDiagnosis ?? 'unknown',
        action,
        attempt,
        vitalsJudged,
        released: release,
        restrictions: release ? releasedRestrictions() : { ...HEALED_AWAITING_RELEASE_RESTRICTIONS },
      },
    },
  ];
  if (release) {
    events.push({
      type: 'AgentReleased',
      data: {
        quarantineId: q.quarantineId,
        resolution: `healed: ${action} passed probation`,
        durationSeconds: elapsedSeconds(q.quarantinedAt, nowMs),
        restrictions: releasedRestrictions(),
      },
    });
  }
  return events;
}

/** The attempt failed: suspended again (the healer tries the next action). */
export function failHealingAction(command: Cmd<FailHealingAction>, state: AgentState): AgentEvent[] {
  const { healingId, q } = openHealing(command.healingId, state);
  const action = requireAction(command.action, 'action');
  const attempt = requireAttempt(command.attempt);
  const reason = requireOneOf(command.reason, HEALING_FAILURE_REASONS, 'reason');
  const detail = optionalText(command.detail, 'detail');
  if (q.healing === 'in_progress' && attempt <= q.healingAttempt) return [];
  if (q.healing === 'probation' && (attempt !== q.healingAttempt || action !== q.healingAction)) {
    throw agentErrors.healingNotActive(state.agentId, healingId, `is on probation of attempt ${q.healingAttempt}, not ${attempt}`);
  }
  if (q.healing !== 'in_progress' && q.healing !== 'probation') {
    throw agentErrors.healingNotActive(state.agentId, healingId, `is ${q.healing}`);
  }
  return [
    {
      type: 'HealingActionFailed',
      data: {
        quarantineId: q.quarantineId,
        healingId,
        diagnosis: q.healingDiagnosis ?? 'unknown',
        action,
        attempt,
        reason,
        detail,
        restrictions: restrictionsFor('suspended'),
      },
    },
  ];
}

/** No action left: healing `exhausted`; the agent stays suspended. */
export function exhaustHealing(command: Cmd<ExhaustHealing>, state: AgentState): AgentEvent[] {
  const healingId = requireText(command.healingId, 'healingId');
  const tried = actionList(command.tried, 'tried');
  const escalation = requireOneOf(command.escalation, EXHAUSTION_ESCALATIONS, 'escalation');
  const q = state.quarantine;
  if (q !== null && q.healingId === healingId && q.healing === 'exhausted') return [];
  const open = openHealing(healingId, state).q;
  if (open.healing !== 'in_progress') throw agentErrors.healingNotActive(state.agentId, healingId, `is ${open.healing}, not between attempts`);
  return [{ type: 'HealingExhausted', data: { quarantineId: open.quarantineId, healingId, diagnosis: open.healingDiagnosis ?? 'unknown', tried, escalation } }];
}

function openHealing(rawHealingId: unknown, state: AgentState): { healingId: string; q: ActiveQuarantine } {
  const healingId = requireText(rawHealingId, 'healingId');
  const q = state.quarantine;
  if (q === null) throw agentErrors.healingNotActive(state.agentId, healingId, 'has no open quarantine');
  if (q.healingId !== healingId) throw agentErrors.healingNotActive(state.agentId, healingId, `is not the current healing (${q.healingId ?? 'none'})`);
  if (q.healing === 'exhausted') throw agentErrors.healingNotActive(state.agentId, healingId, 'is exhausted');
  return { healingId, q };
}

function requireAction(value: unknown, field: string): HealingAction {
  if (!isHealingAction(value)) throw agentErrors.invalid(field, `must be a healing action, got ${JSON.stringify(value)}`);
  return value;
}

function requireAttempt(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw agentErrors.invalid('attempt', 'must be an integer ≥ 1');
  return value;
}

function actionList(value: unknown, field: string): HealingAction[] {
  if (!Array.isArray(value)) throw agentErrors.invalid(field, 'must be an array of healing actions');
  if (value.length > 20) throw agentErrors.invalid(field, 'must have at most 20 actions');
  return value.map((a, i) => requireAction(a, `${field}[${i}]`));
}
