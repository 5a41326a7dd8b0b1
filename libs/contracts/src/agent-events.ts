import type { DetectionEvent } from './detection-events';
import type { NewEvent } from './envelope';
import type { HealingEvent } from './healing-events';

export const AGENT_STATUSES = ['active', 'restricted', 'suspended', 'terminated'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export const QUARANTINE_LEVELS = ['restricted', 'suspended'] as const;
export type QuarantineLevel = (typeof QUARANTINE_LEVELS)[number];

export const REASON_CODES = [
  'behavioral_drift',
  'anomaly',
  'liability_violation',
  'ring_breach',
  'rate_limit',
  'manual',
  'cascade',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const APPROVAL_STATES = ['none', 'pending', 'approved', 'rejected'] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];

export const HEALING_STATES = ['idle', 'in_progress', 'probation', 'succeeded', 'exhausted'] as const;
export type HealingState = (typeof HEALING_STATES)[number];

export interface Restrictions {
  toolsRevoked: boolean;
  autonomyReduced: boolean;
  replicationBlocked: boolean;
  networkRestricted: boolean;
  probation: boolean;
}

export interface Diagnosis {
  hypothesis: string;
  confidence: number;
  evidence?: string[];
}

/** How a quarantine is healed: `manual` ones only when an operator says heal-now. */
export type HealMode = 'automatic' | 'manual';

export interface AgentRegisteredData {
  model: string | null;
  agentType: string | null;
  mcpServers: string[];
}

export interface AgentQuarantinedData {
  quarantineId: string;
  level: QuarantineLevel;
  reasonCode: ReasonCode;
  reason: string;
  severity: Severity;
  source: string;
  expiresAt: string | null;
  restrictions: Restrictions;
  healMode: HealMode;
  diagnoses: Diagnosis[];
  deviation: number | null;
  /** Recent vitals, baseline and diagnosis at the moment of quarantine; free-form, shown to operators. */
  forensic: Record<string, unknown> | null;
}

export interface QuarantineNoteAddedData {
  quarantineId: string;
  noteId: string;
  note: string;
}

export interface QuarantineEscalatedData {
  quarantineId: string;
  fromLevel: QuarantineLevel;
  toLevel: QuarantineLevel | 'terminated';
  reason: string;
  restrictions: Restrictions;
}

export interface AgentReleasedData {
  quarantineId: string;
  resolution: string;
  durationSeconds: number;
  restrictions: Restrictions;
}

export interface AgentTerminatedData {
  quarantineId: string | null;
  resolution: string;
  durationSeconds: number | null;
  restrictions: Restrictions;
}

/**
 * Every event of the agent aggregate (subject `{ns}.events.agent.{agentId}`), the union the agent decider
 * evolves: registration and quarantine here, detection, approval and heal-now in detection-events.ts.
 */
export type AgentEvent =
  | NewEvent<'AgentRegistered', AgentRegisteredData>
  | NewEvent<'AgentQuarantined', AgentQuarantinedData>
  | NewEvent<'QuarantineNoteAdded', QuarantineNoteAddedData>
  | NewEvent<'QuarantineEscalated', QuarantineEscalatedData>
  | NewEvent<'AgentReleased', AgentReleasedData>
  | NewEvent<'AgentTerminated', AgentTerminatedData>
  | DetectionEvent
  | HealingEvent;

export type AgentEventType = AgentEvent['type'];

export const AGENT_EVENT_TYPES: readonly AgentEventType[] = [
  'AgentRegistered',
  'AgentQuarantined',
  'QuarantineNoteAdded',
  'QuarantineEscalated',
  'AgentReleased',
  'AgentTerminated',
  'AnomalyDetected',
  'ApprovalRequested',
  'HealingApproved',
  'HealingRejected',
  'HealingRequested',
  'HealingStarted',
  'HealingProbationStarted',
  'HealingActionSucceeded',
  'HealingActionFailed',
  'HealingExhausted',
];

export const NO_RESTRICTIONS: Restrictions = Object.freeze({
  toolsRevoked: false,
  autonomyReduced: false,
  replicationBlocked: false,
  networkRestricted: false,
  probation: false,
});

export const FULL_RESTRICTIONS: Restrictions = Object.freeze({
  toolsRevoked: true,
  autonomyReduced: true,
  replicationBlocked: true,
  networkRestricted: true,
  probation: false,
});
