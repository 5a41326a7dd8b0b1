import type { HealingAction } from '@immune/contracts';

/** The diagnoses the sentinel produces (libs/domain/detection HYPOTHESES), each with a ladder (DESIGN.md). */
export const HEALING_DIAGNOSES = [
  'prompt_drift',
  'prompt_injection',
  'infinite_loop',
  'tool_instability',
  'memory_corruption',
  'cost_overrun',
  'external_cause',
  'unknown',
] as const;
export type HealingDiagnosis = (typeof HEALING_DIAGNOSES)[number];

/** Healing ladders by diagnosis, mildest first (DESIGN.md "Containment, approval and healing"). */
export const HEALING_LADDERS: Readonly<Record<HealingDiagnosis, readonly HealingAction[]>> = Object.freeze({
  prompt_drift: ['reset_memory', 'rollback_prompt', 'reduce_autonomy', 'reset_agent'],
  prompt_injection: ['revoke_tools', 'reset_memory', 'rollback_prompt', 'reset_agent'],
  infinite_loop: ['revoke_tools', 'reduce_autonomy', 'reset_memory', 'reset_agent'],
  tool_instability: ['reduce_autonomy', 'rollback_prompt', 'reset_agent'],
  memory_corruption: ['reset_memory', 'reset_agent'],
  cost_overrun: ['reduce_autonomy', 'rollback_prompt', 'reset_memory', 'reset_agent'],
  external_cause: ['reduce_autonomy', 'reset_agent'],
  unknown: ['reset_memory', 'reduce_autonomy', 'reset_agent'],
});

export function isHealingDiagnosis(value: unknown): value is HealingDiagnosis {
  return typeof value === 'string' && (HEALING_DIAGNOSES as readonly string[]).includes(value);
}

/** The diagnosis healing works on: the top-ranked hypothesis we have a ladder for, else `unknown`. */
export function diagnosisOf(diagnoses: ReadonlyArray<{ hypothesis: string; confidence: number }>): HealingDiagnosis {
  let best: { hypothesis: HealingDiagnosis; confidence: number } | null = null;
  for (const d of diagnoses) {
    if (!isHealingDiagnosis(d.hypothesis)) continue;
    // Diagnoses arrive ranked; a strictly higher confidence later still wins (hand-made quarantines).
    if (best === null || d.confidence > best.confidence) best = { hypothesis: d.hypothesis, confidence: d.confidence };
  }
  return best?.hypothesis ?? 'unknown';
}

export function ladderFor(diagnosis: string): readonly HealingAction[] {
  return isHealingDiagnosis(diagnosis) ? HEALING_LADDERS[diagnosis] : HEALING_LADDERS.unknown;
}
