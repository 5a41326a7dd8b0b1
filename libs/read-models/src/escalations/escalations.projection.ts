import { ESCALATION_EVENT_TYPES, type EscalationView, type StoredEvent } from '@immune/contracts';
import { toNumber, type ProjectionDefinition } from '../projection';
import { dataOf, text, textOrNull } from '../common/event-data';

export interface EscalationRow {
  view: EscalationView;
  openedSeq: number;
}

const HANDLED: ReadonlySet<string> = new Set(ESCALATION_EVENT_TYPES);

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function numOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function objOrNull(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/**
 * `escalations`: one row per posture escalation (key `aggregateId` of `{ns}.events.escalation.{id}`): requested
 * (pending approvals), raised (active until `expiresAt`), ended (de-escalated, with how and by whom).
 */
export function evolveEscalation(row: EscalationRow | null, event: StoredEvent): EscalationRow | null {
  const { envelope, seq } = event;
  if (envelope.aggregate !== 'escalation' || !HANDLED.has(envelope.type)) return row;
  const d = dataOf(envelope);
  const prior = row?.view ?? null;
  const base = (status: EscalationView['status']): EscalationView => ({
    escalationId: envelope.aggregateId,
    status,
    fromProfile: text(d['fromProfile'], prior?.fromProfile ?? 'operator') as EscalationView['fromProfile'],
    toProfile: text(d['toProfile'], prior?.toProfile ?? 'guardian') as EscalationView['toProfile'],
    type: text(d['type'], prior?.type ?? 'operator_request') as EscalationView['type'],
    reason: text(d['reason'], prior?.reason ?? ''),
    reversible: typeof d['reversible'] === 'boolean' ? d['reversible'] : (prior?.reversible ?? true),
    ttlSeconds: d['ttlSeconds'] === undefined ? (prior?.ttlSeconds ?? null) : numOrNull(d['ttlSeconds']),
    requestedAt: prior?.requestedAt ?? envelope.occurredAt,
    requestedBy: prior?.requestedBy ?? envelope.actor,
    raisedAt: prior?.raisedAt ?? null,
    expiresAt: prior?.expiresAt ?? null,
    approvalsRequired: numOrNull(d['approvalsRequired']) ?? prior?.approvalsRequired ?? 0,
    approvals: d['approvals'] === undefined ? (prior?.approvals ?? []) : strings(d['approvals']),
    endedAt: null,
    deescalationType: null,
    deescalationReason: null,
    endedBy: null,
    context: d['context'] === undefined ? (prior?.context ?? null) : objOrNull(d['context']),
    hash: envelope.hash,
    version: seq,
  });
  switch (envelope.type) {
    case 'EscalationRequested':
      if (prior) return row;
      return { view: base('pending'), openedSeq: seq };
    case 'EscalationApproved': {
      if (!prior || prior.status !== 'pending') return row;
      return { view: { ...prior, approvals: strings(d['approvals']), hash: envelope.hash, version: seq }, openedSeq: row!.openedSeq };
    }
    case 'EscalationRaised': {
      if (prior && prior.status !== 'pending') return row;
      const view = base('active');
      view.raisedAt = envelope.occurredAt;
      view.expiresAt = textOrNull(d['expiresAt']);
      return { view, openedSeq: row?.openedSeq ?? seq };
    }
    case 'EscalationDeescalated': {
      if (!prior || prior.status === 'ended') return row;
      const view: EscalationView = {
        ...prior,
        status: 'ended',
        endedAt: envelope.occurredAt,
        deescalationType: text(d['type'], 'operator_release') as EscalationView['deescalationType'],
        deescalationReason: text(d['reason'], ''),
        endedBy: envelope.actor,
        hash: envelope.hash,
        version: seq,
      };
      return { view, openedSeq: row!.openedSeq };
    }
    default:
      return row;
  }
}

export const escalationsProjection: ProjectionDefinition<EscalationRow> = {
  name: 'escalations',
  table: 'escalations',
  kind: 'row',
  columns: [
    { name: 'escalation_id', type: 'text' },
    { name: 'status', type: 'text' },
    { name: 'from_profile', type: 'text' },
    { name: 'to_profile', type: 'text' },
    { name: 'type', type: 'text' },
    { name: 'requested_at', type: 'timestamptz' },
    { name: 'expires_at', type: 'timestamptz' },
    { name: 'ended_at', type: 'timestamptz' },
    { name: 'opened_seq', type: 'bigint' },
    { name: 'doc', type: 'jsonb' },
  ],
  eventTypes: ESCALATION_EVENT_TYPES,
  keyOf: (e) => (e.envelope.aggregate === 'escalation' && HANDLED.has(e.envelope.type) ? e.envelope.aggregateId : null),
  evolve: evolveEscalation,
  toColumns: ({ view: v, openedSeq }) => [v.escalationId, v.status, v.fromProfile, v.toProfile, v.type, v.requestedAt, v.expiresAt, v.endedAt, openedSeq, v],
  fromColumns: (row) => ({ view: { ...(row['doc'] as EscalationView) }, openedSeq: toNumber(row['opened_seq']) }),
};
