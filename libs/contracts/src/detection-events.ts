import type { Diagnosis, Severity } from './agent-events';
import type { NewEvent } from './envelope';

/** One metric that deviated: e.g. `{ type: 'latency_spike', metric: 'latencyMs', sigma: 7.2 }`. */
export interface AnomalyView {
  type: string;
  metric: string;
  sigma: number;
}

/** The sentinel's finding about one agent (CONTRACT: `AnomalyDetected`, `data.enforced: false` in observe mode). */
export interface AnomalyDetectedData {
  detectionId: string;
  anomalies: AnomalyView[];
  deviation: number;
  severity: Severity;
  diagnoses: Diagnosis[];
  /** False when nothing was enforced: observe mode, or the anomaly was part of a fleet-wide event. */
  enforced: boolean;
  fleetWide: boolean;
  /** The quarantine this detection opened, when it opened one. */
  quarantineId: string | null;
}

export interface ApprovalRequestedData {
  quarantineId: string;
  deviation: number | null;
  reason: string;
}

export interface HealingDecisionData {
  quarantineId: string;
  reason: string | null;
}

export type DetectionEvent =
  | NewEvent<'AnomalyDetected', AnomalyDetectedData>
  | NewEvent<'ApprovalRequested', ApprovalRequestedData>
  | NewEvent<'HealingApproved', HealingDecisionData>
  | NewEvent<'HealingRejected', HealingDecisionData>
  | NewEvent<'HealingRequested', HealingDecisionData>;

/**
 * `ReportInfection`, sent by the sentinel on `{ns}.commands.agent` with a deterministic commandId
 * (`infection:{agentId}:{detectionId}`): records the anomaly and, when `enforce`, quarantines the agent
 * (suspended, reason code `anomaly`, heal mode automatic) and asks for approval when `requiresApproval`.
 * An agent already quarantined or terminated gets nothing new: the command is a no-op.
 */
export interface ReportInfection {
  type: 'ReportInfection';
  detectionId: string;
  quarantineId: string;
  anomalies: AnomalyView[];
  deviation: number;
  severity: Severity;
  diagnoses: Diagnosis[];
  requiresApproval: boolean;
  enforce: boolean;
  fleetWide: boolean;
  /** Recent vitals, baseline and diagnosis: shown to operators with the quarantine. */
  forensic: Record<string, unknown> | null;
}

/** `POST /approvals/{agentId}/approve`: an operator lets healing start (needs `approval: pending`). */
export interface ApproveHealing {
  type: 'ApproveHealing';
  reason?: string | null;
}

/** `POST /approvals/{agentId}/reject`: the agent stays quarantined, idle, until heal-now. */
export interface RejectHealing {
  type: 'RejectHealing';
  reason?: string | null;
}

/** `POST /agents/{id}/heal` (heal now): records the operator's decision that healing starts now. */
export interface RequestHealing {
  type: 'RequestHealing';
  reason?: string | null;
}
