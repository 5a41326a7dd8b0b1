import type {
  AgentChannelReply,
  ExhaustionEscalation,
  HealingAction,
  HealingFailureReason,
  HealingTrigger,
  PostureEffects,
} from '@immune/contracts';
import type { ActiveQuarantine, AgentState } from '@immune/domain-quarantine';
import { diagnosisOf } from './healing.ladders';
import { planActions, type FleetPatterns } from './healing.memory';

/** Policy of the healer (configuration, not posture). */
export interface HealingPolicy {
  /** On exhaustion terminate at once instead of waiting for an admin. */
  autoTerminate: boolean;
}

export const DEFAULT_HEALING_POLICY: HealingPolicy = Object.freeze({ autoTerminate: false });

export interface HealingContext {
  posture: PostureEffects;
  fleet: FleetPatterns;
  policy: HealingPolicy;
  /** A fresh id, used only when the step starts a healing. */
  newHealingId: string;
}

/**
 * What the healer does next for one agent, given its state. Every branch is a value: nothing to do is `ignore`
 * with the reason, so a replayed trigger, a rejected approval or a manual quarantine is a tested outcome.
 */
export type HealingStep =
  | { kind: 'ignore'; reason: string }
  | { kind: 'start'; healingId: string; quarantineId: string; trigger: HealingTrigger; diagnosis: string; plan: HealingAction[] }
  | { kind: 'send'; healingId: string; action: HealingAction; attempt: number; commandId: string; diagnosis: string }
  | { kind: 'judge'; healingId: string; action: HealingAction; attempt: number }
  | { kind: 'exhaust'; healingId: string; tried: HealingAction[]; escalation: ExhaustionEscalation };

export function nextHealingStep(state: AgentState, ctx: HealingContext): HealingStep {
  if (!state.registered) return { kind: 'ignore', reason: 'unknown agent' };
  if (state.status === 'terminated') return { kind: 'ignore', reason: 'terminated' };
  const q = state.quarantine;
  if (q === null) return { kind: 'ignore', reason: 'not quarantined' };
  switch (q.healing) {
    case 'idle': {
      const trigger = triggerOf(q, ctx.posture);
      if (typeof trigger !== 'string') return trigger;
      return startStep(state, q, trigger, ctx);
    }
    case 'exhausted':
      if (q.healRequestedAt !== null && q.healingEndedAt !== null && q.healRequestedAt > q.healingEndedAt) {
        return startStep(state, q, 'heal_now', ctx);
      }
      // The exhaustion asked for termination but the agent is not terminated (the healer stopped, or the reply was
      // lost, between the two commands): finish it. ExhaustHealing is a no-op the second time.
      if (q.healingEscalation === 'terminate' && q.healingId !== null) {
        return { kind: 'exhaust', healingId: q.healingId, tried: [...q.healingTried], escalation: 'terminate' };
      }
      return { kind: 'ignore', reason: 'healing exhausted: waits for an admin (or heal-now)' };
    case 'succeeded':
      return { kind: 'ignore', reason: 'healed: waits for an operator to release it' };
    case 'in_progress': {
      const healingId = q.healingId;
      if (healingId === null) return { kind: 'ignore', reason: 'no healing id' };
      const remaining = q.healingPlan.filter((a) => !q.healingTried.includes(a));
      const next = remaining[0];
      if (next === undefined) {
        return { kind: 'exhaust', healingId, tried: [...q.healingTried], escalation: exhaustionEscalation(ctx.policy) };
      }
      const attempt = q.healingAttempt + 1;
      // Deterministic: a healer that resumes after a crash sends the same command again, and the agent can tell.
      return { kind: 'send', healingId, action: next, attempt, commandId: agentCommandId(healingId, attempt), diagnosis: q.healingDiagnosis ?? 'unknown' };
    }
    case 'probation': {
      if (q.healingId === null || q.healingAction === null) return { kind: 'ignore', reason: 'probation without an action' };
      return { kind: 'judge', healingId: q.healingId, action: q.healingAction, attempt: q.healingAttempt };
    }
    default: {
      const unknown: never = q.healing;
      return { kind: 'ignore', reason: `unknown healing state ${String(unknown)}` };
    }
  }
}

/**
 * Why healing may start on its own, or why not. Heal-now and an approval are human decisions and start it in any
 * posture; an automatic quarantine without approval starts it unless the posture wants a human first.
 */
export function triggerOf(q: ActiveQuarantine, posture: PostureEffects): HealingTrigger | { kind: 'ignore'; reason: string } {
  if (q.healRequestedAt !== null) return 'heal_now';
  switch (q.approval) {
    case 'approved':
      return 'approved';
    case 'pending':
      return { kind: 'ignore', reason: 'awaiting approval' };
    case 'rejected':
      return { kind: 'ignore', reason: 'approval rejected: waits for heal-now' };
    case 'none':
      break;
    default: {
      const unknown: never = q.approval;
      return { kind: 'ignore', reason: `unknown approval ${String(unknown)}` };
    }
  }
  if (q.healMode !== 'automatic') return { kind: 'ignore', reason: 'manual quarantine: waits for heal-now' };
  if (posture.humanOnly) return { kind: 'ignore', reason: 'posture: every action waits for a human' };
  if (posture.healingNeedsApproval) return { kind: 'ignore', reason: 'posture: healing needs approval' };
  return 'automatic';
}

function startStep(state: AgentState, q: ActiveQuarantine, trigger: HealingTrigger, ctx: HealingContext): HealingStep {
  const diagnosis = diagnosisOf(q.diagnoses);
  let plan = planActions(diagnosis, state.failedActions[diagnosis] ?? [], ctx.fleet);
  // An operator who asks to heal now gets the whole ladder when memory has ruled every action out.
  if (plan.length === 0 && trigger === 'heal_now') plan = planActions(diagnosis, [], ctx.fleet);
  return { kind: 'start', healingId: ctx.newHealingId, quarantineId: q.quarantineId, trigger, diagnosis, plan };
}

export function agentCommandId(healingId: string, attempt: number): string {
  return `${healingId}.${attempt}`;
}

/** The agent's answer to an action, or null when none came in time: probation, or a failure with its reason. */
export type ActionOutcome = { kind: 'probation'; detail: string | null } | { kind: 'failed'; reason: HealingFailureReason; detail: string | null };

export function actionOutcome(reply: AgentChannelReply | null, timeoutMs: number): ActionOutcome {
  if (reply === null) return { kind: 'failed', reason: 'no_reply', detail: `no reply within ${timeoutMs} ms` };
  if (reply.ok) return { kind: 'probation', detail: reply.detail ?? null };
  return { kind: 'failed', reason: 'rejected', detail: reply.detail ?? 'the agent refused the action' };
}

/** What exhaustion leads to: termination at once with `autoTerminate`, else a step that waits for an admin. */
export function exhaustionEscalation(policy: HealingPolicy): ExhaustionEscalation {
  return policy.autoTerminate ? 'terminate' : 'await_admin';
}

/** The containment command after exhaustion: EscalateAgent to terminated with the policy's say, or none. */
export function exhaustionCommand(escalation: ExhaustionEscalation, tried: readonly HealingAction[]): { type: 'EscalateAgent'; reason: string; mayTerminate: true } | null {
  if (escalation !== 'terminate') return null;
  return { type: 'EscalateAgent', reason: `healing exhausted (${tried.join(', ') || 'no action left'}): policy autoTerminate`, mayTerminate: true };
}

/** Release after a passed probation only where the posture releases automatically (not guardian and above). */
export function releaseAfterProbation(posture: PostureEffects): boolean {
  return posture.autoRelease && !posture.humanOnly;
}


