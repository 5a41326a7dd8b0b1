import type { HealingAction } from './agent-channel';

/** The outcome a healing event records, as `GET /healing/log` shows it. */
export const HEALING_LOG_OUTCOMES = ['started', 'probation', 'succeeded', 'failed', 'exhausted'] as const;
export type HealingLogOutcome = (typeof HEALING_LOG_OUTCOMES)[number];

/** One row of `GET /healing/log`: a healing event (newest first, by stream sequence). */
export interface HealingLogEntryView {
  seq: number;
  agentId: string;
  healingId: string;
  quarantineId: string;
  type: string;
  outcome: HealingLogOutcome;
  diagnosis: string;
  action: HealingAction | null;
  attempt: number | null;
  /** HealingStarted: the trigger; HealingActionFailed: the reason; HealingExhausted: the escalation. */
  reason: string | null;
  detail: string | null;
  occurredAt: string;
}

/** One row of `GET /healing/patterns`: fleet-wide outcomes of one action for one diagnosis (immune memory). */
export interface HealingPatternView {
  diagnosis: string;
  action: HealingAction;
  successes: number;
  failures: number;
  /** successes / (successes + failures); null before any outcome. */
  rate: number | null;
}
