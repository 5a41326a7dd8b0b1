import type { HealingAction, StoredEvent } from '@immune/contracts';
import { toNumber, type ProjectionDefinition } from '../projection';
import { dataOf, isAgentAggregate, text } from '../common/event-data';
import { outcomeOf } from './healing-patterns.projection';

/** Per agent and diagnosis: how its healings went (immune memory of one agent). */
export interface HealingAgentMemoryRow {
  agentId: string;
  diagnosis: string;
  healings: number;
  exhaustions: number;
  /** Per action: successes and failures for this agent and diagnosis. */
  actions: Partial<Record<HealingAction, { successes: number; failures: number }>>;
  lastOutcome: 'started' | 'succeeded' | 'failed' | 'exhausted';
  lastAt: string;
}

export const HEALING_MEMORY_EVENT_TYPES = ['HealingStarted', 'HealingActionSucceeded', 'HealingActionFailed', 'HealingExhausted'] as const;
const HANDLED: ReadonlySet<string> = new Set(HEALING_MEMORY_EVENT_TYPES);

function keyOf(e: StoredEvent): string | null {
  if (!isAgentAggregate(e.envelope) || !HANDLED.has(e.envelope.type)) return null;
  return `${e.envelope.aggregateId}|${text(dataOf(e.envelope)['diagnosis'], 'unknown')}`;
}

/** `healing_agent_memory`: one row per agent and diagnosis (key `agentId|diagnosis`). */
export function evolveAgentMemory(row: HealingAgentMemoryRow | null, e: StoredEvent): HealingAgentMemoryRow | null {
  if (keyOf(e) === null) return row;
  const { envelope } = e;
  const base: HealingAgentMemoryRow = row ?? {
    agentId: envelope.aggregateId,
    diagnosis: text(dataOf(envelope)['diagnosis'], 'unknown'),
    healings: 0,
    exhaustions: 0,
    actions: {},
    lastOutcome: 'started',
    lastAt: envelope.occurredAt,
  };
  const next: HealingAgentMemoryRow = { ...base, actions: { ...base.actions }, lastAt: envelope.occurredAt };
  switch (envelope.type) {
    case 'HealingStarted':
      next.healings += 1;
      next.lastOutcome = 'started';
      return next;
    case 'HealingExhausted':
      next.exhaustions += 1;
      next.lastOutcome = 'exhausted';
      return next;
    default: {
      const o = outcomeOf(e);
      if (o === null) return row ?? null;
      const prev = next.actions[o.action] ?? { successes: 0, failures: 0 };
      next.actions[o.action] = o.success ? { successes: prev.successes + 1, failures: prev.failures } : { successes: prev.successes, failures: prev.failures + 1 };
      next.lastOutcome = o.success ? 'succeeded' : 'failed';
      return next;
    }
  }
}

export const healingAgentMemoryProjection: ProjectionDefinition<HealingAgentMemoryRow> = {
  name: 'healing_agent_memory',
  table: 'healing_agent_memory',
  kind: 'row',
  columns: [
    { name: 'memory_key', type: 'text' },
    { name: 'agent_id', type: 'text' },
    { name: 'diagnosis', type: 'text' },
    { name: 'healings', type: 'integer' },
    { name: 'exhaustions', type: 'integer' },
    { name: 'last_outcome', type: 'text' },
    { name: 'last_at', type: 'timestamptz' },
    { name: 'doc', type: 'jsonb' },
  ],
  eventTypes: HEALING_MEMORY_EVENT_TYPES,
  keyOf,
  evolve: evolveAgentMemory,
  toColumns: (r) => [`${r.agentId}|${r.diagnosis}`, r.agentId, r.diagnosis, r.healings, r.exhaustions, r.lastOutcome, r.lastAt, r],
  fromColumns: (row) => {
    const doc = row['doc'] as HealingAgentMemoryRow;
    return { ...doc, healings: toNumber(row['healings']), exhaustions: toNumber(row['exhaustions']) };
  },
};
