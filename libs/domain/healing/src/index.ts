export { HEALING_DIAGNOSES, HEALING_LADDERS, diagnosisOf, isHealingDiagnosis, ladderFor } from './healing.ladders';
export type { HealingDiagnosis } from './healing.ladders';
export { NO_PATTERNS, planActions, successScore } from './healing.memory';
export type { FleetPatterns, PatternCount } from './healing.memory';
export { DEFAULT_PROBATION_POLICY, ProbationJudge, probationOnTick, probationOnVital, startProbation } from './healing.probation';
export type { ProbationPolicy, ProbationState, ProbationVerdict, VitalJudgement } from './healing.probation';
export {
  DEFAULT_HEALING_POLICY,
  actionOutcome,
  agentCommandId,
  exhaustionCommand,
  exhaustionEscalation,
  nextHealingStep,
  releaseAfterProbation,
  triggerOf,
} from './healing.workflow';
export type { ActionOutcome, HealingContext, HealingPolicy, HealingStep } from './healing.workflow';
