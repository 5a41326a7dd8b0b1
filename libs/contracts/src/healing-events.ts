import type { Restrictions } from './agent-events';
import type { HealingAction } from './agent-channel';
import type { NewEvent } from './envelope';

/**
 * The healing workflow on the agent aggregate (subject `{ns}.events.agent.{agentId}`). The healer decides,
 * the quarantine service appends: every event below is the outcome of one of the commands further down, sent
 * by the healer on `{ns}.commands.agent` like any other agent command.
 *
 * One healing = one HealingStarted, then per attempt: the action is sent on the agent channel; an ok reply →
 * HealingProbationStarted (status `restricted`, `probation: true`); healthy vitals → HealingActionSucceeded
 * (+ AgentReleased when the posture releases automatically); a refusal, no reply, or a failed probation →
 * HealingActionFailed (status `suspended` again). No action left → HealingExhausted.
 */

/** Why healing started: the sentinel's quarantine below the approval threshold, an approval, or heal-now. */
export const HEALING_TRIGGERS = ['automatic', 'approved', 'heal_now'] as const;
export type HealingTrigger = (typeof HEALING_TRIGGERS)[number];

/**
 * Why an action failed: the agent said no (`rejected`), did not answer in time (`no_reply`), answered but its
 * vitals on probation were unhealthy (`probation_failed`) or missing (`probation_silent`), or the healer lost
 * track of the attempt (`interrupted`, e.g. its lease was taken over).
 */
export const HEALING_FAILURE_REASONS = ['rejected', 'no_reply', 'probation_failed', 'probation_silent', 'interrupted'] as const;
export type HealingFailureReason = (typeof HEALING_FAILURE_REASONS)[number];

/** After exhaustion: terminated at once (policy `autoTerminate`) or a containment step awaiting an admin. */
export const EXHAUSTION_ESCALATIONS = ['terminate', 'await_admin'] as const;
export type ExhaustionEscalation = (typeof EXHAUSTION_ESCALATIONS)[number];

/**
 * Restrictions while on probation: the agent works (so it can be judged) but may not replicate or widen its
 * autonomy. `probation: true` is the flag the SDK exposes.
 */
export const PROBATION_RESTRICTIONS: Restrictions = Object.freeze({
  toolsRevoked: false,
  autonomyReduced: true,
  replicationBlocked: true,
  networkRestricted: false,
  probation: true,
});

/** After a passed probation without automatic release (guardian and above): still restricted, no longer judged. */
export const HEALED_AWAITING_RELEASE_RESTRICTIONS: Restrictions = Object.freeze({
  toolsRevoked: false,
  autonomyReduced: true,
  replicationBlocked: true,
  networkRestricted: false,
  probation: false,
});

export interface HealingStartedData {
  quarantineId: string;
  healingId: string;
  /** The hypothesis the ladder was chosen for (the top diagnosis, `unknown` without one). */
  diagnosis: string;
  trigger: HealingTrigger;
  /** The actions in the order the healer means to try them (immune memory applied). */
  plan: HealingAction[];
}

export interface HealingProbationStartedData {
  quarantineId: string;
  healingId: string;
  diagnosis: string;
  action: HealingAction;
  attempt: number;
  /** The agent's reply detail, when it gave one. */
  detail: string | null;
  restrictions: Restrictions;
}

export interface HealingActionSucceededData {
  quarantineId: string;
  healingId: string;
  diagnosis: string;
  action: HealingAction;
  attempt: number;
  vitalsJudged: number;
  /** True when an AgentReleased follows in the same append; false: the agent waits restricted for an operator. */
  released: boolean;
  restrictions: Restrictions;
}

export interface HealingActionFailedData {
  quarantineId: string;
  healingId: string;
  diagnosis: string;
  action: HealingAction;
  attempt: number;
  reason: HealingFailureReason;
  detail: string | null;
  restrictions: Restrictions;
}

export interface HealingExhaustedData {
  quarantineId: string;
  healingId: string;
  diagnosis: string;
  /** Every action tried in this healing, in order. */
  tried: HealingAction[];
  escalation: ExhaustionEscalation;
}

export type HealingEvent =
  | NewEvent<'HealingStarted', HealingStartedData>
  | NewEvent<'HealingProbationStarted', HealingProbationStartedData>
  | NewEvent<'HealingActionSucceeded', HealingActionSucceededData>
  | NewEvent<'HealingActionFailed', HealingActionFailedData>
  | NewEvent<'HealingExhausted', HealingExhaustedData>;

export const HEALING_EVENT_TYPES = [
  'HealingStarted',
  'HealingProbationStarted',
  'HealingActionSucceeded',
  'HealingActionFailed',
  'HealingExhausted',
] as const;

// Commands the healer sends on `{ns}.commands.agent` (AgentCommandRequest.command). `healingId` names one healing;
// a command about another healing than the open one is refused (HEALING.NOT_ACTIVE), a repeat is a no-op.

/** Opens a healing of the open quarantine (refused while another one is in progress). */
export interface StartHealing {
  type: 'StartHealing';
  healingId: string;
  quarantineId: string;
  diagnosis: string;
  trigger: HealingTrigger;
  plan: HealingAction[];
}

/** The agent acknowledged `action`: restricted with `probation: true` until the healer's verdict. */
export interface BeginProbation {
  type: 'BeginProbation';
  healingId: string;
  action: HealingAction;
  attempt: number;
  detail?: string | null;
}

/** Probation passed: HealingActionSucceeded, and AgentReleased when `release` (the posture allows it). */
export interface PassProbation {
  type: 'PassProbation';
  healingId: string;
  action: HealingAction;
  attempt: number;
  vitalsJudged: number;
  release: boolean;
}

/** The attempt failed (refused, no reply, probation failed or silent, interrupted): suspended again. */
export interface FailHealingAction {
  type: 'FailHealingAction';
  healingId: string;
  action: HealingAction;
  attempt: number;
  reason: HealingFailureReason;
  detail?: string | null;
}

/** No action left: healing `exhausted`, the agent stays suspended; the escalation says what happens next. */
export interface ExhaustHealing {
  type: 'ExhaustHealing';
  healingId: string;
  tried: HealingAction[];
  escalation: ExhaustionEscalation;
}

export type HealingCommand = StartHealing | BeginProbation | PassProbation | FailHealingAction | ExhaustHealing;
