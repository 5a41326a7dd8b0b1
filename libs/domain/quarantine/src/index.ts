export { initialState, evolve, replay, isQuarantined } from './agent.state';
export type { AgentState, ActiveQuarantine, EndedQuarantine, TimedAgentEvent } from './agent.state';
export { decide, QUARANTINE_DEFAULTS, HEAL_MODES } from './agent.decide';
export { statusOf, statusRecord } from './agent.status';
export type { AgentStatusRecord } from './agent.status';
export { restrictionsFor } from './agent.restrictions';
export { startHealing, beginProbation, passProbation, failHealingAction, exhaustHealing } from './agent.healing';
