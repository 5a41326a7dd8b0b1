import {
  BASELINE_PROFILES,
  DEESCALATION_TYPES,
  ESCALATION_TYPES,
  ImmuneError,
  PROFILES,
  POSTURE_AGGREGATE_ID,
  type ActorRole,
  type ChangePostureBaseline,
  type DeescalateEscalation,
  type ApproveEscalation,
  type EscalationCommandBody,
  type NewEvent,
  type RequestEscalation,
} from '@immune/contracts';
import { stepPolicy, nextProfile } from './escalation.policy';
import { currentProfile, topEscalation, type EscalationRecord, type FleetPostureState, type PostureDomainEvent } from './escalation.state';

/** What every posture command carries: time, the command id and who acts arrive with it (the decider is pure). */
export interface PostureCommandMeta {
  commandId: string;
  actor: string;
  actorRole: ActorRole;
  /** ISO-8601 UTC. */
  now: string;
}

export type PostureCommand = EscalationCommandBody & PostureCommandMeta;

/** The events of a decision and the aggregate they belong to (one aggregate per command). */
export interface PostureDecision {
  aggregate: 'escalation' | 'posture';
  aggregateId: string;
  events: PostureDomainEvent[];
}

const invalid = (detail: string) => new ImmuneError('VALIDATION.FAILED', 'Invalid command', detail);
const MAX_TTL_SECONDS = 30 * 86_400;

/**
 * Decides one posture command against the fleet's posture. Refusals are ImmuneErrors with a stable code; a
 * command that changes nothing (a repeated approval by the same key, a timeout not yet due) returns no events.
 */
export function decidePosture(command: PostureCommand, s: FleetPostureState): PostureDecision {
  switch (command.type) {
    case 'RequestEscalation':
      return requestEscalation(command, s);
    case 'ApproveEscalation':
      return approveEscalation(command, s);
    case 'DeescalateEscalation':
      return deescalate(command, s);
    case 'ChangePostureBaseline':
      return changeBaseline(command, s);
    default: {
      const never: never = command;
      throw invalid(`unknown command ${(never as { type?: unknown }).type as string}`);
    }
  }
}

function escalation(id: string, events: PostureDomainEvent[]): PostureDecision {
  return { aggregate: 'escalation', aggregateId: id, events };
}

function requireText(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.trim().length === 0) throw invalid(`${field} must be a non-empty string`);
  if (v.length > 2000) throw invalid(`${field} must be at most 2000 characters`);
  return v;
}

function requireHumanWriter(role: ActorRole): void {
  if (role === 'viewer') throw new ImmuneError('AUTH.FORBIDDEN', 'Forbidden', 'A viewer key cannot change the posture.');
}

function addSeconds(iso: string, seconds: number): string {
  return new Date(Date.parse(iso) + seconds * 1000).toISOString();
}

function requestEscalation(c: RequestEscalation & PostureCommandMeta, s: FleetPostureState): PostureDecision {
  if (typeof c.escalationId !== 'string' || !/^[A-Za-z0-9_-]{1,128}$/.test(c.escalationId)) throw invalid('escalationId must match [A-Za-z0-9_-]{1,128}');
  if (!(PROFILES as readonly string[]).includes(c.toProfile)) throw invalid(`toProfile must be one of ${PROFILES.join(', ')}`);
  if (!(ESCALATION_TYPES as readonly string[]).includes(c.escalationType)) throw invalid(`type must be one of ${ESCALATION_TYPES.join(', ')}`);
  const reason = requireText(c.reason, 'reason');
  if (c.ttlSeconds !== undefined && (!Number.isInteger(c.ttlSeconds) || c.ttlSeconds < 1 || c.ttlSeconds > MAX_TTL_SECONDS)) {
    throw invalid(`ttlSeconds must be an integer from 1 to ${MAX_TTL_SECONDS}`);
  }
  requireHumanWriter(c.actorRole);
  // The same id again (a retried command, an automatic escalation seen twice): nothing new.
  if (s.escalations.has(c.escalationId)) return escalation(c.escalationId, []);

  const from = currentProfile(s);
  const policy = stepPolicy(from, c.toProfile);
  if (!policy) {
    const next = nextProfile(from);
    throw new ImmuneError(
      'ESCALATION.NO_PATH',
      'No escalation path',
      next === null
        ? `The fleet is at ${from}, the top of the ladder: there is nothing above it.`
        : `The fleet is at ${from}: one step at a time, the only escalation is to ${next} (not ${c.toProfile}).`,
      { current: from, next },
    );
  }
  if (!policy.types.includes(c.escalationType)) {
    throw new ImmuneError('ESCALATION.TYPE_NOT_ALLOWED', 'Escalation type not allowed', `${from} → ${policy.to} accepts the types ${policy.types.join(', ')}.`);
  }
  if (c.actorRole === 'service') {
    if (policy.humanOnly) throw new ImmuneError('ESCALATION.HUMAN_ONLY', 'A human must decide', `${from} → ${policy.to} needs a human key.`);
    if (policy.approvalsRequired > 0) throw new ImmuneError('ESCALATION.APPROVAL_REQUIRED', 'Approval required', `${from} → ${policy.to} needs approvals; it cannot be automatic.`);
    const confidence = c.context?.['confidence'];
    if (policy.automaticConfidence === null || typeof confidence !== 'number' || confidence < policy.automaticConfidence) {
      throw new ImmuneError(
        'ESCALATION.HUMAN_ONLY',
        'A human must decide',
        policy.automaticConfidence === null
          ? `${from} → ${policy.to} is never automatic.`
          : `an automatic ${from} → ${policy.to} needs a threat confidence of at least ${policy.automaticConfidence}.`,
      );
    }
  } else if (policy.minRole === 'admin' && c.actorRole !== 'admin') {
    throw new ImmuneError('ESCALATION.REQUIRES_ADMIN', 'Admin required', `Escalating to ${policy.to} needs an admin key.`);
  }
  if (!policy.reversible && c.ttlSeconds !== undefined) throw invalid(`${policy.to} is irreversible: it has no TTL`);
  const ttlSeconds = policy.reversible ? (c.ttlSeconds ?? policy.ttlSeconds) : null;
  const context = c.context ?? null;

  if (policy.approvalsRequired > 1) {
    return escalation(c.escalationId, [
      {
        type: 'EscalationRequested',
        data: {
          escalationId: c.escalationId, fromProfile: from, toProfile: policy.to, type: c.escalationType, reason, reversible: policy.reversible,
          ttlSeconds, approvalsRequired: policy.approvalsRequired, approvals: [c.actor], context,
        },
      },
    ]);
  }
  return escalation(c.escalationId, [
    {
      type: 'EscalationRaised',
      data: {
        escalationId: c.escalationId, fromProfile: from, toProfile: policy.to, type: c.escalationType, reason, reversible: policy.reversible,
        ttlSeconds, expiresAt: ttlSeconds === null ? null : addSeconds(c.now, ttlSeconds), approvals: [c.actor], context,
      },
    },
  ]);
}

function requireRecord(s: FleetPostureState, id: string): EscalationRecord {
  const rec = typeof id === 'string' ? s.escalations.get(id) : undefined;
  if (!rec) throw new ImmuneError('ESCALATION.NOT_FOUND', 'Escalation not found', `There is no escalation "${String(id)}".`);
  return rec;
}

function approveEscalation(c: ApproveEscalation & PostureCommandMeta, s: FleetPostureState): PostureDecision {
  const rec = requireRecord(s, c.escalationId);
  requireHumanWriter(c.actorRole);
  if (c.actorRole === 'service') throw new ImmuneError('ESCALATION.HUMAN_ONLY', 'A human must decide', 'Approvals come from named human keys.');
  if (rec.status !== 'pending') {
    throw new ImmuneError('ESCALATION.NOT_PENDING', 'Not waiting for approval', `Escalation ${rec.escalationId} is ${rec.status}, not pending.`);
  }
  // Quorum counts distinct key names: the same key twice counts once.
  if (rec.approvals.includes(c.actor)) return escalation(rec.escalationId, []);
  const approvals = [...rec.approvals, c.actor];
  const events: PostureDomainEvent[] = [
    { type: 'EscalationApproved', data: { escalationId: rec.escalationId, approver: c.actor, approvals, approvalsRequired: rec.approvalsRequired } },
  ];
  if (approvals.length >= rec.approvalsRequired) {
    const current = currentProfile(s);
    if (current !== rec.fromProfile) {
      throw new ImmuneError(
        'ESCALATION.NO_PATH',
        'No escalation path',
        `Escalation ${rec.escalationId} was requested from ${rec.fromProfile}, but the fleet is at ${current} now: withdraw it and request again.`,
        { current },
      );
    }
    events.push({
      type: 'EscalationRaised',
      data: {
        escalationId: rec.escalationId, fromProfile: rec.fromProfile, toProfile: rec.toProfile, type: rec.type, reason: rec.reason,
        reversible: rec.reversible, ttlSeconds: rec.ttlSeconds, expiresAt: rec.ttlSeconds === null ? null : addSeconds(c.now, rec.ttlSeconds),
        approvals, context: rec.context,
      },
    });
  }
  return escalation(rec.escalationId, events);
}

const SERVICE_DEESCALATIONS: ReadonlySet<string> = new Set(['timeout_expired', 'threat_resolved']);

function deescalate(c: DeescalateEscalation & PostureCommandMeta, s: FleetPostureState): PostureDecision {
  if (!(DEESCALATION_TYPES as readonly string[]).includes(c.deescalationType)) throw invalid(`type must be one of ${DEESCALATION_TYPES.join(', ')}`);
  const reason = requireText(c.reason, 'reason');
  const rec = requireRecord(s, c.escalationId);
  requireHumanWriter(c.actorRole);
  if (c.actorRole === 'service' && !SERVICE_DEESCALATIONS.has(c.deescalationType)) {
    throw new ImmuneError('ESCALATION.HUMAN_ONLY', 'A human must decide', `${c.deescalationType} is a human's decision.`);
  }
  if (c.actorRole !== 'service' && c.deescalationType === 'timeout_expired') {
    throw new ImmuneError('ESCALATION.TYPE_NOT_ALLOWED', 'De-escalation type not allowed', 'timeout_expired is recorded by the timers, not requested.');
  }
  if (rec.status === 'ended') throw new ImmuneError('ESCALATION.NOT_ACTIVE', 'Escalation not active', `Escalation ${rec.escalationId} has ended.`);
  const current = currentProfile(s);
  if (rec.status === 'pending') {
    if (c.actorRole === 'service') return escalation(rec.escalationId, []);
    return escalation(rec.escalationId, [
      { type: 'EscalationDeescalated', data: { escalationId: rec.escalationId, type: c.deescalationType, reason, fromProfile: rec.toProfile, toProfile: current, wasActive: false } },
    ]);
  }
  const top = topEscalation(s);
  if (top?.escalationId !== rec.escalationId) {
    // A timer of an escalation below the top waits until it is the top (it then fires at once, overdue).
    if (c.actorRole === 'service') return escalation(rec.escalationId, []);
    throw new ImmuneError(
      'ESCALATION.NO_PATH',
      'No de-escalation path',
      `One step at a time: de-escalate ${top?.escalationId ?? 'the top escalation'} (to ${current}) first.`,
      { current, top: top?.escalationId ?? null },
    );
  }
  if (!rec.reversible) {
    if (c.deescalationType !== 'sovereign_revoke' || c.actorRole !== 'admin') {
      // Timers and the threat monitor simply never end it.
      if (c.actorRole === 'service') return escalation(rec.escalationId, []);
      throw new ImmuneError('ESCALATION.IRREVERSIBLE', 'Irreversible escalation', `${rec.toProfile} is irreversible: only an admin's sovereign_revoke ends it.`);
    }
  } else if (c.deescalationType === 'sovereign_revoke' && c.actorRole !== 'admin') {
    throw new ImmuneError('ESCALATION.REQUIRES_ADMIN', 'Admin required', 'sovereign_revoke needs an admin key.');
  }
  if (c.deescalationType === 'timeout_expired' && (rec.expiresAt === null || Date.parse(rec.expiresAt) > Date.parse(c.now))) {
    return escalation(rec.escalationId, []); // not due (yet)
  }
  const below = s.stack[s.stack.length - 2];
  const restored = below === undefined ? s.baseline : (s.escalations.get(below)?.toProfile ?? s.baseline);
  return escalation(rec.escalationId, [
    { type: 'EscalationDeescalated', data: { escalationId: rec.escalationId, type: c.deescalationType, reason, fromProfile: rec.toProfile, toProfile: restored, wasActive: true } },
  ]);
}

function changeBaseline(c: ChangePostureBaseline & PostureCommandMeta, s: FleetPostureState): PostureDecision {
  if (!(BASELINE_PROFILES as readonly string[]).includes(c.profile)) throw invalid(`profile must be one of ${BASELINE_PROFILES.join(', ')}`);
  const reason = requireText(c.reason, 'reason');
  if (c.actorRole === 'service') throw new ImmuneError('ESCALATION.HUMAN_ONLY', 'A human must decide', 'The resting posture is set by an admin.');
  if (c.actorRole !== 'admin') throw new ImmuneError('ESCALATION.REQUIRES_ADMIN', 'Admin required', 'Changing the resting posture needs an admin key.');
  if (c.profile === s.baseline) return { aggregate: 'posture', aggregateId: POSTURE_AGGREGATE_ID, events: [] };
  const event: NewEvent<'PostureBaselineChanged', { fromBaseline: typeof s.baseline; toBaseline: typeof c.profile; reason: string }> = {
    type: 'PostureBaselineChanged',
    data: { fromBaseline: s.baseline, toBaseline: c.profile, reason },
  };
  return { aggregate: 'posture', aggregateId: POSTURE_AGGREGATE_ID, events: [event] };
}
