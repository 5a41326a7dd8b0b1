import { HEALING_EVENT_TYPES, isHealingAction, type HealingLogEntryView, type HealingLogOutcome, type StoredEvent } from '@immune/contracts';
import { toNumber, type ProjectionDefinition } from '../projection';
import { dataOf, int32OrNull, isAgentAggregate, text, textOrNull } from '../common/event-data';

/** The healing events and what each records in the log. */
export const HEALING_LOG_EVENT_TYPES = HEALING_EVENT_TYPES;

const OUTCOME_OF: Readonly<Record<string, HealingLogOutcome>> = {
  HealingStarted: 'started',
  HealingProbationStarted: 'probation',
  HealingActionSucceeded: 'succeeded',
  HealingActionFailed: 'failed',
  HealingExhausted: 'exhausted',
};

/** The log entry of a healing event of the agent aggregate, or null for any other event. */
export function healingLogEntryOf(event: StoredEvent): HealingLogEntryView | null {
  const { envelope, seq } = event;
  const outcome = OUTCOME_OF[envelope.type];
  if (outcome === undefined || !isAgentAggregate(envelope)) return null;
  const d = dataOf(envelope);
  const action = d['action'];
  const reason =
    envelope.type === 'HealingStarted' ? textOrNull(d['trigger']) : envelope.type === 'HealingExhausted' ? textOrNull(d['escalation']) : textOrNull(d['reason']);
  const detail = envelope.type === 'HealingExhausted' ? (Array.isArray(d['tried']) ? `tried: ${(d['tried'] as unknown[]).join(', ')}` : null) : textOrNull(d['detail']);
  return {
    seq,
    agentId: envelope.aggregateId,
    healingId: text(d['healingId'], ''),
    quarantineId: text(d['quarantineId'], ''),
    type: envelope.type,
    outcome,
    diagnosis: text(d['diagnosis'], 'unknown'),
    action: isHealingAction(action) ? action : null,
    // An integer column: anything else would stop the projector; it is dropped instead.
    attempt: int32OrNull(d['attempt']),
    reason,
    detail,
    occurredAt: envelope.occurredAt,
  };
}

/**
 * `healing_log`: one row per healing event (append-only, key = stream sequence), newest first in
 * `GET /healing/log`. The immune memory's history; `healing_patterns` and `healing_agent_memory` are its sums.
 */
export const healingLogProjection: ProjectionDefinition<HealingLogEntryView> = {
  name: 'healing_log',
  table: 'healing_log',
  kind: 'append',
  columns: [
    { name: 'seq', type: 'bigint' },
    { name: 'agent_id', type: 'text' },
    { name: 'healing_id', type: 'text' },
    { name: 'quarantine_id', type: 'text' },
    { name: 'type', type: 'text' },
    { name: 'outcome', type: 'text' },
    { name: 'diagnosis', type: 'text' },
    { name: 'action', type: 'text' },
    { name: 'attempt', type: 'integer' },
    { name: 'reason', type: 'text' },
    { name: 'detail', type: 'text' },
    { name: 'occurred_at', type: 'timestamptz' },
  ],
  eventTypes: HEALING_LOG_EVENT_TYPES,
  keyOf: (e) => (OUTCOME_OF[e.envelope.type] !== undefined && isAgentAggregate(e.envelope) ? String(e.seq) : null),
  evolve: (state, e) => state ?? healingLogEntryOf(e),
  toColumns: (v) => [v.seq, v.agentId, v.healingId, v.quarantineId, v.type, v.outcome, v.diagnosis, v.action, v.attempt, v.reason, v.detail, v.occurredAt],
  fromColumns: (row) => ({
    seq: toNumber(row['seq']),
    agentId: String(row['agent_id']),
    healingId: String(row['healing_id']),
    quarantineId: String(row['quarantine_id']),
    type: String(row['type']),
    outcome: row['outcome'] as HealingLogOutcome,
    diagnosis: String(row['diagnosis']),
    action: isHealingAction(row['action']) ? row['action'] : null,
    attempt: row['attempt'] === null ? null : toNumber(row['attempt']),
    reason: textOrNull(row['reason']),
    detail: textOrNull(row['detail']),
    occurredAt: row['occurred_at'] instanceof Date ? row['occurred_at'].toISOString() : String(row['occurred_at']),
  }),
};
