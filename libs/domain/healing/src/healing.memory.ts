import type { HealingAction } from '@immune/contracts';
import { ladderFor } from './healing.ladders';

/** Fleet-wide outcomes of one action for one diagnosis (immune memory, from the `healing_patterns` read model). */
export interface PatternCount {
  successes: number;
  failures: number;
}

/** Fleet-wide outcomes by diagnosis, then action; anything missing counts as never tried. */
export type FleetPatterns = Readonly<Record<string, Readonly<Partial<Record<HealingAction, PatternCount>>>>>;

export const NO_PATTERNS: FleetPatterns = Object.freeze({});

/**
 * The success rate used to order actions: Laplace-smoothed (s + 1) / (s + f + 2), so an untried action (0.5)
 * ranks between ones that mostly work and ones that mostly fail, and a single lucky outcome does not dominate.
 */
export function successScore(count: PatternCount | undefined): number {
  const s = count?.successes ?? 0;
  const f = count?.failures ?? 0;
  return (s + 1) / (s + f + 2);
}

/**
 * The plan for an agent: the diagnosis's ladder minus the actions that already failed for this agent and
 * diagnosis, ordered by fleet-wide success (best first); equal scores keep the ladder's order (mildest first).
 */
export function planActions(diagnosis: string, failedForAgent: readonly HealingAction[], fleet: FleetPatterns): HealingAction[] {
  const ladder = ladderFor(diagnosis);
  const byAction = fleet[diagnosis] ?? {};
  return ladder
    .filter((a) => !failedForAgent.includes(a))
    .map((action, rung) => ({ action, rung, score: successScore(byAction[action]) }))
    .sort((a, b) => b.score - a.score || a.rung - b.rung)
    .map((x) => x.action);
}
