import type { NewEvent } from './envelope';
import type { ErrorBody } from './errors';
import type { BaselineProfile, Profile } from './posture';
import type { Role } from './roles';

/**
 * Fleet-posture escalation (DESIGN.md "Escalation"). Each escalation is its own aggregate on
 * `{ns}.events.escalation.{escalationId}`; the resting posture is the aggregate `{ns}.events.posture.fleet`.
 * Only `apps/escalation` appends them, through request/reply commands on `{ns}.commands.escalation`.
 */
export const ESCALATION_TYPES = ['threat_detected', 'operator_request', 'crisis_declared', 'quorum_approved', 'sovereign_override'] as const;
export type EscalationType = (typeof ESCALATION_TYPES)[number];

export const DEESCALATION_TYPES = ['timeout_expired', 'threat_resolved', 'operator_release', 'crisis_concluded', 'sovereign_revoke'] as const;
export type DeescalationType = (typeof DEESCALATION_TYPES)[number];

/** A profile above the lowest one: the targets of an escalation. */
export type EscalatedProfile = Exclude<Profile, 'observer'>;

/** Who acts: a human key of some role, or a service (automatic escalations, timers). */
export type ActorRole = Exclude<Role, 'ingest'> | 'service';

export interface EscalationRequestedData {
  escalationId: string;
  fromProfile: Profile;
  toProfile: EscalatedProfile;
  type: EscalationType;
  reason: string;
  reversible: boolean;
  /** TTL once raised (null: irreversible, no expiry). */
  ttlSeconds: number | null;
  approvalsRequired: number;
  /** Distinct key names that approved so far (the requester's key counts as the first). */
  approvals: string[];
  /** Evidence the escalation was decided on (e.g. the threat confidence), hashed with the event. */
  context: Record<string, unknown> | null;
}

export interface EscalationApprovedData {
  escalationId: string;
  approver: string;
  approvals: string[];
  approvalsRequired: number;
}

export interface EscalationRaisedData {
  escalationId: string;
  fromProfile: Profile;
  toProfile: EscalatedProfile;
  type: EscalationType;
  reason: string;
  reversible: boolean;
  ttlSeconds: number | null;
  expiresAt: string | null;
  approvals: string[];
  context: Record<string, unknown> | null;
}

export interface EscalationDeescalatedData {
  escalationId: string;
  type: DeescalationType;
  reason: string;
  /** The profile the escalation had raised the fleet to (or would have, when it was still pending). */
  fromProfile: Profile;
  /** The posture in force afterwards. */
  toProfile: Profile;
  /** False when the escalation was withdrawn while it still waited for approvals. */
  wasActive: boolean;
}

export interface PostureBaselineChangedData {
  fromBaseline: BaselineProfile;
  toBaseline: BaselineProfile;
  reason: string;
}

export type EscalationEvent =
  | NewEvent<'EscalationRequested', EscalationRequestedData>
  | NewEvent<'EscalationApproved', EscalationApprovedData>
  | NewEvent<'EscalationRaised', EscalationRaisedData>
  | NewEvent<'EscalationDeescalated', EscalationDeescalatedData>;

export type PostureEvent = NewEvent<'PostureBaselineChanged', PostureBaselineChangedData>;

export const ESCALATION_EVENT_TYPES = ['EscalationRequested', 'EscalationApproved', 'EscalationRaised', 'EscalationDeescalated'] as const;
export const POSTURE_EVENT_TYPES = ['PostureBaselineChanged'] as const;

/** The id of the one posture aggregate (`{ns}.events.posture.fleet`). */
export const POSTURE_AGGREGATE_ID = 'fleet';

// ---- commands (`{ns}.commands.escalation`) -------------------------------------------------------------------

export interface RequestEscalation {
  type: 'RequestEscalation';
  escalationId: string;
  toProfile: Profile;
  escalationType: EscalationType;
  reason: string;
  ttlSeconds?: number;
  context?: Record<string, unknown> | null;
}

export interface ApproveEscalation {
  type: 'ApproveEscalation';
  escalationId: string;
}

export interface DeescalateEscalation {
  type: 'DeescalateEscalation';
  escalationId: string;
  deescalationType: DeescalationType;
  reason: string;
}

export interface ChangePostureBaseline {
  type: 'ChangePostureBaseline';
  profile: BaselineProfile;
  reason: string;
}

export type EscalationCommandBody = RequestEscalation | ApproveEscalation | DeescalateEscalation | ChangePostureBaseline;

/** Body of a request on `{ns}.commands.escalation`. */
export interface EscalationCommandRequest {
  commandId: string;
  /** Key name (or service name): the event's actor, and the approver's identity. */
  actor: string;
  actorRole: ActorRole;
  correlationId?: string;
  command: EscalationCommandBody;
}

/** One escalation as every reader shows it (`GET /escalations`, `GET /posture`). */
export interface EscalationView {
  escalationId: string;
  status: 'pending' | 'active' | 'ended';
  fromProfile: Profile;
  toProfile: EscalatedProfile;
  type: EscalationType;
  reason: string;
  reversible: boolean;
  ttlSeconds: number | null;
  requestedAt: string;
  requestedBy: string;
  raisedAt: string | null;
  expiresAt: string | null;
  approvalsRequired: number;
  approvals: string[];
  endedAt: string | null;
  deescalationType: DeescalationType | null;
  deescalationReason: string | null;
  endedBy: string | null;
  context: Record<string, unknown> | null;
  /** Hash of the escalation's last event (its chain head). */
  hash: string;
  /** Stream sequence of its last event. */
  version: number;
}

/** `GET /posture`. */
export interface PostureView {
  current: Profile;
  baseline: BaselineProfile;
  activeEscalations: EscalationView[];
  pendingEscalations: EscalationView[];
  version: number;
  changedAt: string | null;
}

export type EscalationCommandReply =
  | {
      ok: true;
      /** The escalation the command concerned, after it (null for a baseline change). */
      escalation: EscalationView | null;
      current: Profile;
      baseline: BaselineProfile;
      sequences: number[];
      eventTypes: string[];
      duplicate: boolean;
    }
  | { ok: false; error: ErrorBody };
export * from './dto/escalation-requests.dto';
