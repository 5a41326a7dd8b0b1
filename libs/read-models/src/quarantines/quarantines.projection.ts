import type { QuarantineRecordView, StoredEvent } from '@immune/contracts';
import { toNumber, type ProjectionDefinition } from '../projection';
import {
  APPROVAL_EVENT_TYPES,
  HEALING_VIEW_EVENT_TYPES,
  approvalAfter,
  dataOf,
  elapsedSeconds,
  healingAfter,
  isAgentAggregate,
  numberOrNull,
  quarantineIdOf,
  quarantineViewOf,
  text,
} from '../common/event-data';

/** A quarantine entry and the stream sequence that opened it (the list order). */
export interface QuarantineRow {
  record: QuarantineRecordView;
  openedSeq: number;
}

export const QUARANTINE_EVENT_TYPES = [
  'AgentQuarantined',
  'QuarantineNoteAdded',
  'QuarantineEscalated',
  'AgentReleased',
  'AgentTerminated',
  ...APPROVAL_EVENT_TYPES,
  ...HEALING_VIEW_EVENT_TYPES,
] as const;

const HANDLED: ReadonlySet<string> = new Set(QUARANTINE_EVENT_TYPES);

/**
 * `quarantines`: one row per quarantine entry (key `data.quarantineId`), kept after it ends with its outcome,
 * duration, resolution and how often it was escalated; approval events of the open entry move its `approval`
 * (and heal-now its `healRequestedAt`). Events of another agent than the entry's are ignored.
 */
export function evolveQuarantine(row: QuarantineRow | null, event: StoredEvent): QuarantineRow | null {
  const { envelope, seq } = event;
  if (!isAgentAggregate(envelope) || !HANDLED.has(envelope.type)) return row;
  const d = dataOf(envelope);
  if (row === null) {
    if (envelope.type !== 'AgentQuarantined') return null;
    const v = quarantineViewOf(envelope);
    const forensic = d['forensic'];
    const record: QuarantineRecordView = {
      quarantineId: v.quarantineId,
      level: v.level,
      reasonCode: v.reasonCode,
      reason: v.reason,
      severity: v.severity,
      source: v.source,
      quarantinedAt: v.quarantinedAt,
      expiresAt: v.expiresAt,
      approval: v.approval,
      healing: v.healing,
      diagnoses: v.diagnoses,
      deviation: v.deviation,
      notes: v.notes,
      healMode: v.healMode,
      healRequestedAt: v.healRequestedAt,
      agentId: envelope.aggregateId,
      active: true,
      outcome: 'active',
      endedAt: null,
      resolution: null,
      durationSeconds: null,
      escalations: 0,
      forensic: typeof forensic === 'object' && forensic !== null && !Array.isArray(forensic) ? (forensic as Record<string, unknown>) : null,
    };
    return { record, openedSeq: seq };
  }
  const r = row.record;
  if (r.agentId !== envelope.aggregateId) return row;
  switch (envelope.type) {
    case 'QuarantineNoteAdded': {
      const noteId = text(d['noteId'], '');
      if (r.notes.some((n) => n.noteId === noteId)) return row;
      const record = copyRecord(r);
      record.notes = [...r.notes, { noteId, note: text(d['note'], ''), author: envelope.actor, at: envelope.occurredAt }];
      return { record, openedSeq: row.openedSeq };
    }
    case 'QuarantineEscalated': {
      if (!r.active) return row;
      const to = d['toLevel'];
      const record = copyRecord(r);
      if (to === 'restricted' || to === 'suspended') record.level = to;
      record.escalations = r.escalations + 1;
      return { record, openedSeq: row.openedSeq };
    }
    case 'AgentReleased':
    case 'AgentTerminated': {
      if (!r.active) return row;
      const record = copyRecord(r);
      record.active = false;
      record.outcome = envelope.type === 'AgentReleased' ? 'released' : 'terminated';
      record.endedAt = envelope.occurredAt;
      record.resolution = text(d['resolution'], '');
      record.durationSeconds = numberOrNull(d['durationSeconds']) ?? elapsedSeconds(r.quarantinedAt, envelope.occurredAt);
      return { record, openedSeq: row.openedSeq };
    }
    case 'ApprovalRequested':
    case 'HealingApproved':
    case 'HealingRejected':
    case 'HealingRequested': {
      // An ended entry keeps the approval it ended with.
      if (!r.active) return row;
      const record = copyRecord(r);
      record.approval = approvalAfter(envelope.type, r.approval);
      if (envelope.type === 'HealingRequested') record.healRequestedAt = envelope.occurredAt;
      return { record, openedSeq: row.openedSeq };
    }
    case 'HealingStarted':
    case 'HealingProbationStarted':
    case 'HealingActionSucceeded':
    case 'HealingActionFailed':
    case 'HealingExhausted': {
      // An ended entry keeps the healing it ended with (a released one: succeeded).
      if (!r.active) return row;
      const after = healingAfter(envelope.type);
      const record = copyRecord(r);
      record.healing = after.healing;
      if (after.level !== null && typeof d['restrictions'] === 'object' && d['restrictions'] !== null) record.level = after.level;
      return { record, openedSeq: row.openedSeq };
    }
    default:
      // AgentQuarantined again for an entry already open: a redelivered copy, not a new quarantine.
      return row;
  }
}

/** A field-by-field copy: V8 makes `{ ...record, … }` slow, and a rebuild evolves every quarantine. */
function copyRecord(r: QuarantineRecordView): QuarantineRecordView {
  return {
    quarantineId: r.quarantineId,
    level: r.level,
    reasonCode: r.reasonCode,
    reason: r.reason,
    severity: r.severity,
    source: r.source,
    quarantinedAt: r.quarantinedAt,
    expiresAt: r.expiresAt,
    approval: r.approval,
    healing: r.healing,
    diagnoses: r.diagnoses,
    deviation: r.deviation,
    notes: r.notes,
    healMode: r.healMode,
    healRequestedAt: r.healRequestedAt,
    agentId: r.agentId,
    active: r.active,
    outcome: r.outcome,
    endedAt: r.endedAt,
    resolution: r.resolution,
    durationSeconds: r.durationSeconds,
    escalations: r.escalations,
    forensic: r.forensic,
  };
}

export const quarantinesProjection: ProjectionDefinition<QuarantineRow> = {
  name: 'quarantines',
  table: 'quarantines',
  kind: 'row',
  columns: [
    { name: 'quarantine_id', type: 'text' },
    { name: 'agent_id', type: 'text' },
    { name: 'active', type: 'boolean' },
    { name: 'severity', type: 'text' },
    { name: 'source', type: 'text' },
    { name: 'reason_code', type: 'text' },
    { name: 'quarantined_at', type: 'timestamptz' },
    { name: 'ended_at', type: 'timestamptz' },
    { name: 'opened_seq', type: 'bigint' },
    // json, not jsonb: read back whole, never queried inside (see the migration 1767571200000).
    { name: 'doc', type: 'json' },
  ],
  eventTypes: QUARANTINE_EVENT_TYPES,
  keyOf: (e) => (isAgentAggregate(e.envelope) && HANDLED.has(e.envelope.type) ? quarantineIdOf(e.envelope) : null),
  evolve: evolveQuarantine,
  toColumns: ({ record: r, openedSeq }) => [
    r.quarantineId,
    r.agentId,
    r.active,
    r.severity,
    r.source,
    r.reasonCode,
    r.quarantinedAt,
    r.endedAt,
    openedSeq,
    r,
  ],
  fromColumns: (row) => ({ record: copyRecord(row['doc'] as QuarantineRecordView), openedSeq: toNumber(row['opened_seq']) }),
};
