import type { QuarantineRecordView, StoredEvent } from '@immune/contracts';
import { toNumber, type ProjectionDefinition } from '../projection';
import { dataOf, elapsedSeconds, isAgentAggregate, numberOrNull, quarantineIdOf, quarantineViewOf, text } from '../common/event-data';

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
] as const;

const HANDLED: ReadonlySet<string> = new Set(QUARANTINE_EVENT_TYPES);

/**
 * `quarantines`: one row per quarantine entry (key `data.quarantineId`), kept after it ends with its outcome,
 * duration, resolution and how often it was escalated. Events of another agent than the entry's are ignored.
 */
export function evolveQuarantine(row: QuarantineRow | null, event: StoredEvent): QuarantineRow | null {
  const { envelope, seq } = event;
  if (!isAgentAggregate(envelope) || !HANDLED.has(envelope.type)) return row;
  const d = dataOf(envelope);
  if (row === null) {
    if (envelope.type !== 'AgentQuarantined') return null;
    const view = quarantineViewOf(envelope);
    const record: QuarantineRecordView = {
      ...view,
      agentId: envelope.aggregateId,
      active: true,
      outcome: 'active',
      endedAt: null,
      resolution: null,
      durationSeconds: null,
      escalations: 0,
      forensic: typeof d['forensic'] === 'object' && d['forensic'] !== null ? (d['forensic'] as Record<string, unknown>) : null,
    };
    return { record, openedSeq: seq };
  }
  const r = row.record;
  if (r.agentId !== envelope.aggregateId) return row;
  switch (envelope.type) {
    case 'QuarantineNoteAdded': {
      const noteId = text(d['noteId'], '');
      if (r.notes.some((n) => n.noteId === noteId)) return row;
      const note = { noteId, note: text(d['note'], ''), author: envelope.actor, at: envelope.occurredAt };
      return { ...row, record: { ...r, notes: [...r.notes, note] } };
    }
    case 'QuarantineEscalated': {
      if (!r.active) return row;
      const to = d['toLevel'];
      const level = to === 'restricted' || to === 'suspended' ? to : r.level;
      return { ...row, record: { ...r, level, escalations: r.escalations + 1 } };
    }
    case 'AgentReleased':
    case 'AgentTerminated': {
      if (!r.active) return row;
      const durationSeconds = numberOrNull(d['durationSeconds']) ?? elapsedSeconds(r.quarantinedAt, envelope.occurredAt);
      return {
        ...row,
        record: {
          ...r,
          active: false,
          outcome: envelope.type === 'AgentReleased' ? 'released' : 'terminated',
          endedAt: envelope.occurredAt,
          resolution: text(d['resolution'], ''),
          durationSeconds,
        },
      };
    }
    default:
      // AgentQuarantined again for an entry already open: a redelivered copy, not a new quarantine.
      return row;
  }
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
    { name: 'doc', type: 'jsonb' },
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
  fromColumns: (row) => ({ record: row['doc'] as QuarantineRecordView, openedSeq: toNumber(row['opened_seq']) }),
};
