import {
  ESCALATION_EVENT_TYPES,
  POSTURE_EVENT_TYPES,
  type EscalationView,
  type PostureState,
  type PostureView,
  type StoredEvent,
} from '@immune/contracts';
import {
  activeEscalations,
  currentProfile,
  evolvePosture,
  initialPosture,
  pendingEscalations,
  type EscalationRecord,
  type FleetPostureState,
  type PostureDomainEvent,
} from '@immune/domain-escalation';

const HANDLED: ReadonlySet<string> = new Set<string>([...ESCALATION_EVENT_TYPES, ...POSTURE_EVENT_TYPES]);

interface Head {
  version: number;
  hash: string | null;
}

export interface CommandOutcome {
  aggregateId: string;
  sequences: number[];
  eventTypes: string[];
}

const MAX_REMEMBERED_COMMANDS = 10_000;

/**
 * The fleet's posture as the log tells it: the domain state plus what the service needs to append (each
 * aggregate's version and chain head) and to answer (views, outcomes of commands already applied).
 */
export class PostureBook {
  state: FleetPostureState = initialPosture();
  private readonly heads = new Map<string, Head>();
  readonly commands = new Map<string, CommandOutcome>();
  /** Sequence and time of the last event that changed the profile in force or the baseline. */
  changedSeq = 0;
  changedAt: string | null = null;

  handles(e: StoredEvent): boolean {
    return (e.envelope.aggregate === 'escalation' || e.envelope.aggregate === 'posture') && HANDLED.has(e.envelope.type);
  }

  /** Applies one stored event; returns whether the posture in force (current or baseline) changed. */
  apply(e: StoredEvent): boolean {
    const { envelope } = e;
    const key = `${envelope.aggregate}/${envelope.aggregateId}`;
    this.heads.set(key, { version: e.seq, hash: envelope.hash });
    const prior = this.commands.get(envelope.causationId);
    this.commands.set(envelope.causationId, {
      aggregateId: envelope.aggregateId,
      sequences: [...(prior?.sequences ?? []), e.seq],
      eventTypes: [...(prior?.eventTypes ?? []), envelope.type],
    });
    if (this.commands.size > MAX_REMEMBERED_COMMANDS) {
      const oldest = this.commands.keys().next().value;
      if (oldest !== undefined) this.commands.delete(oldest);
    }
    const before = this.posture();
    this.state = evolvePosture(this.state, { event: { type: envelope.type, data: envelope.data } as PostureDomainEvent, occurredAt: envelope.occurredAt, actor: envelope.actor });
    const after = this.posture();
    if (before.current !== after.current || before.baseline !== after.baseline) {
      this.changedSeq = e.seq;
      this.changedAt = envelope.occurredAt;
      return true;
    }
    return false;
  }

  head(aggregate: 'escalation' | 'posture', id: string): Head {
    return this.heads.get(`${aggregate}/${id}`) ?? { version: 0, hash: null };
  }

  posture(): PostureState {
    return { current: currentProfile(this.state), baseline: this.state.baseline, version: this.changedSeq, changedAt: this.changedAt };
  }

  view(rec: EscalationRecord): EscalationView {
    const head = this.head('escalation', rec.escalationId);
    return {
      escalationId: rec.escalationId, status: rec.status, fromProfile: rec.fromProfile, toProfile: rec.toProfile, type: rec.type, reason: rec.reason,
      reversible: rec.reversible, ttlSeconds: rec.ttlSeconds, requestedAt: rec.requestedAt, requestedBy: rec.requestedBy, raisedAt: rec.raisedAt,
      expiresAt: rec.expiresAt, approvalsRequired: rec.approvalsRequired, approvals: [...rec.approvals], endedAt: rec.endedAt,
      deescalationType: rec.deescalationType, deescalationReason: rec.deescalationReason, endedBy: rec.endedBy, context: rec.context,
      hash: head.hash ?? '', version: head.version,
    };
  }

  escalationView(id: string): EscalationView | null {
    const rec = this.state.escalations.get(id);
    return rec ? this.view(rec) : null;
  }

  postureView(): PostureView {
    const p = this.posture();
    return {
      current: p.current, baseline: p.baseline, version: p.version, changedAt: p.changedAt,
      activeEscalations: activeEscalations(this.state).map((r) => this.view(r)),
      pendingEscalations: pendingEscalations(this.state).map((r) => this.view(r)),
    };
  }
}
