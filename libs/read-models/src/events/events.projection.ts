import type { EventEnvelope, StoredEvent } from '@immune/contracts';
import { JsonText, toNumber, type ProjectionDefinition } from '../projection';

/**
 * `events`: the archive, itself a projection. Every envelope becomes one row, ChainCheckpointed and types no
 * other projection knows included. An event id seen before (a retry stored again after the duplicate window)
 * keeps its first row: `id` is unique.
 */
export const eventsProjection: ProjectionDefinition<StoredEvent> = {
  name: 'events',
  table: 'events',
  kind: 'append',
  columns: [
    { name: 'seq', type: 'bigint' },
    { name: 'id', type: 'text' },
    { name: 'subject', type: 'text' },
    { name: 'type', type: 'text' },
    { name: 'aggregate', type: 'text' },
    { name: 'aggregate_id', type: 'text' },
    { name: 'agent_id', type: 'text' },
    { name: 'occurred_at', type: 'timestamptz' },
    { name: 'actor', type: 'text' },
    { name: 'correlation_id', type: 'text' },
    { name: 'causation_id', type: 'text' },
    // json, not jsonb: the archive hands `data` back as logged and nothing queries inside it (see the migration).
    { name: 'data', type: 'json' },
    { name: 'prev_hash', type: 'text' },
    { name: 'hash', type: 'text' },
  ],
  eventTypes: 'all',
  keyOf: (e) => String(e.seq),
  evolve: (state, e) => state ?? e,
  toColumns: ({ seq, subject, envelope: v, dataJson }) => [
    seq,
    v.id,
    subject,
    v.type,
    v.aggregate,
    v.aggregateId,
    typeof v.agentId === 'string' ? v.agentId : null,
    v.occurredAt,
    v.actor,
    v.correlationId,
    v.causationId,
    // The text as logged when the decoder delimited it (the same text JSON.stringify gives for what our writer
    // stores), else the parsed value; a JSON null when an envelope has no data (the column is NOT NULL).
    dataJson !== undefined ? new JsonText(dataJson) : v.data === undefined ? null : (v.data as object | null),
    v.prevHash ?? null,
    v.hash,
  ],
  fromColumns: (row) => {
    const envelope = {
      schemaVersion: 1,
      id: row['id'],
      type: row['type'],
      aggregate: row['aggregate'],
      aggregateId: row['aggregate_id'],
      ...(row['agent_id'] === null ? {} : { agentId: row['agent_id'] }),
      occurredAt: row['occurred_at'] instanceof Date ? row['occurred_at'].toISOString() : row['occurred_at'],
      actor: row['actor'],
      correlationId: row['correlation_id'],
      causationId: row['causation_id'],
      data: row['data'],
      prevHash: row['prev_hash'],
      hash: row['hash'],
    } as EventEnvelope;
    return { seq: toNumber(row['seq']), subject: String(row['subject']), envelope };
  },
};
