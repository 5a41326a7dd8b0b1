import {
  DEFAULT_POSTURE,
  type BaselineProfile,
  type EscalationEvent,
  type EscalationView,
  type PostureEvent,
  type Profile,
} from '@immune/contracts';

/** One escalation as the domain keeps it: the view every reader shows, without the chain head (`hash`). */
export type EscalationRecord = Omit<EscalationView, 'hash' | 'version'>;

/**
 * The fleet's posture: the resting baseline and the stack of active escalations (bottom first). Each active
 * escalation was raised from the profile in force at the time, so the stack climbs one step per entry; the
 * profile in force is the top's target, or the baseline when the stack is empty.
 */
export interface FleetPostureState {
  baseline: BaselineProfile;
  stack: string[];
  escalations: ReadonlyMap<string, EscalationRecord>;
}

export type PostureDomainEvent = EscalationEvent | PostureEvent;

/** An event with what the envelope adds: when, and by whom. */
export interface TimedPostureEvent {
  event: PostureDomainEvent;
  occurredAt: string;
  actor: string;
}

export function initialPosture(): FleetPostureState {
  return { baseline: DEFAULT_POSTURE.baseline, stack: [], escalations: new Map() };
}

export function currentProfile(s: FleetPostureState): Profile {
  const top = s.stack[s.stack.length - 1];
  const rec = top === undefined ? undefined : s.escalations.get(top);
  return rec ? rec.toProfile : s.baseline;
}

export function topEscalation(s: FleetPostureState): EscalationRecord | null {
  const top = s.stack[s.stack.length - 1];
  return (top !== undefined && s.escalations.get(top)) || null;
}

export function activeEscalations(s: FleetPostureState): EscalationRecord[] {
  return s.stack.map((id) => s.escalations.get(id)).filter((r): r is EscalationRecord => r !== undefined);
}

export function pendingEscalations(s: FleetPostureState): EscalationRecord[] {
  return [...s.escalations.values()].filter((r) => r.status === 'pending');
}

function withRecord(s: FleetPostureState, rec: EscalationRecord, stack = s.stack): FleetPostureState {
  const escalations = new Map(s.escalations);
  escalations.set(rec.escalationId, rec);
  return { baseline: s.baseline, stack, escalations };
}

/** Applies one event; unknown or out-of-place events change nothing (the log is the authority, never a throw). */
export function evolvePosture(s: FleetPostureState, t: TimedPostureEvent): FleetPostureState {
  const e = t.event;
  switch (e.type) {
    case 'PostureBaselineChanged':
      return { baseline: e.data.toBaseline, stack: s.stack, escalations: s.escalations };
    case 'EscalationRequested': {
      if (s.escalations.has(e.data.escalationId)) return s;
      const d = e.data;
      return withRecord(s, {
        escalationId: d.escalationId, status: 'pending', fromProfile: d.fromProfile, toProfile: d.toProfile, type: d.type, reason: d.reason,
        reversible: d.reversible, ttlSeconds: d.ttlSeconds, requestedAt: t.occurredAt, requestedBy: t.actor, raisedAt: null, expiresAt: null,
        approvalsRequired: d.approvalsRequired, approvals: [...d.approvals], endedAt: null, deescalationType: null, deescalationReason: null,
        endedBy: null, context: d.context,
      });
    }
    case 'EscalationApproved': {
      const rec = s.escalations.get(e.data.escalationId);
      if (!rec || rec.status !== 'pending') return s;
      return withRecord(s, { ...rec, approvals: [...e.data.approvals] });
    }
    case 'EscalationRaised': {
      const d = e.data;
      const prior = s.escalations.get(d.escalationId);
      if (prior && prior.status !== 'pending') return s;
      const rec: EscalationRecord = {
        escalationId: d.escalationId, status: 'active', fromProfile: d.fromProfile, toProfile: d.toProfile, type: d.type, reason: d.reason,
        reversible: d.reversible, ttlSeconds: d.ttlSeconds, requestedAt: prior?.requestedAt ?? t.occurredAt, requestedBy: prior?.requestedBy ?? t.actor,
        raisedAt: t.occurredAt, expiresAt: d.expiresAt, approvalsRequired: prior?.approvalsRequired ?? 0, approvals: [...d.approvals],
        endedAt: null, deescalationType: null, deescalationReason: null, endedBy: null, context: d.context,
      };
      return withRecord(s, rec, [...s.stack, d.escalationId]);
    }
    case 'EscalationDeescalated': {
      const rec = s.escalations.get(e.data.escalationId);
      if (!rec || rec.status === 'ended') return s;
      const ended: EscalationRecord = {
        ...rec, status: 'ended', endedAt: t.occurredAt, deescalationType: e.data.type, deescalationReason: e.data.reason, endedBy: t.actor,
      };
      return withRecord(s, ended, s.stack.filter((id) => id !== rec.escalationId));
    }
    default: {
      const never: never = e;
      return never;
    }
  }
}
