import { isHealingAction, type HealingAction, type StoredEvent } from '@immune/contracts';
import { toNumber, type ProjectionDefinition } from '../projection';
import { dataOf, isAgentAggregate, text } from '../common/event-data';

/** Fleet-wide outcomes of one action for one diagnosis. */
export interface HealingPatternRow {
  diagnosis: string;
  action: HealingAction;
  successes: number;
  failures: number;
}

export const HEALING_OUTCOME_EVENT_TYPES = ['HealingActionSucceeded', 'HealingActionFailed'] as const;

/**
 * Whether a healing event is an outcome that counts for immune memory: a succeeded action, or a failed one
 * that was really tried (an `interrupted` attempt says nothing about the action). Returns null otherwise.
 */
export function outcomeOf(event: StoredEvent): { diagnosis: string; action: HealingAction; success: boolean } | null {
  const { envelope } = event;
  if (!isAgentAggregate(envelope)) return null;
  if (envelope.type !== 'HealingActionSucceeded' && envelope.type !== 'HealingActionFailed') return null;
  const d = dataOf(envelope);
  const action = d['action'];
  if (!isHealingAction(action)) return null;
  if (envelope.type === 'HealingActionFailed' && d['reason'] === 'interrupted') return null;
  return { diagnosis: text(d['diagnosis'], 'unknown'), action, success: envelope.type === 'HealingActionSucceeded' };
}

/**
 * `healing_patterns`: per diagnosis and action (key `diagnosis|action`), how often the action healed an agent
 * (succeeded: acknowledged and passed probation) and how often it failed. `GET /healing/patterns` and the
 * healer's ordering of actions read it.
 */
export const healingPatternsProjection: ProjectionDefinition<HealingPatternRow> = {
  name: 'healing_patterns',
  table: 'healing_patterns',
  kind: 'row',
  columns: [
    { name: 'pattern_key', type: 'text' },
    { name: 'diagnosis', type: 'text' },
    { name: 'action', type: 'text' },
    { name: 'successes', type: 'integer' },
    { name: 'failures', type: 'integer' },
  ],
  eventTypes: HEALING_OUTCOME_EVENT_TYPES,
  keyOf: (e) => {
    const o = outcomeOf(e);
    return o === null ? null : `${o.diagnosis}|${o.action}`;
  },
  evolve: (row, e) => {
    const o = outcomeOf(e);
    if (o === null) return row;
    const base = row ?? { diagnosis: o.diagnosis, action: o.action, successes: 0, failures: 0 };
    return o.success
      ? { diagnosis: base.diagnosis, action: base.action, successes: base.successes + 1, failures: base.failures }
      : { diagnosis: base.diagnosis, action: base.action, successes: base.successes, failures: base.failures + 1 };
  },
  toColumns: (r) => [`${r.diagnosis}|${r.action}`, r.diagnosis, r.action, r.successes, r.failures],
  fromColumns: (row) => ({
    diagnosis: String(row['diagnosis']),
    action: String(row['action']) as HealingAction,
    successes: toNumber(row['successes']),
    failures: toNumber(row['failures']),
  }),
};
