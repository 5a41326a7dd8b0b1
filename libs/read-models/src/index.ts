export * from './projection';
export { READ_MODEL_ENTITIES, READ_MODEL_MIGRATIONS, READ_MODEL_PROJECTIONS, PROJECTION_NAMES } from './read-models';
export { migrate, migrateDataSource } from './migrate';
export { AgentEntity } from './agents/agent.entity';
export { agentsProjection, evolveAgent } from './agents/agents.projection';
export { QuarantineEntity } from './quarantines/quarantine.entity';
export { quarantinesProjection, evolveQuarantine, QUARANTINE_EVENT_TYPES, type QuarantineRow } from './quarantines/quarantines.projection';
export { ReportEntity } from './report/report.entity';
export { reportProjection, evolveReport, emptyReport, REPORT_EVENT_TYPES, type ReportCounters } from './report/report.projection';
export { EventEntity } from './events/event.entity';
export { eventsProjection } from './events/events.projection';
export { ProjectionCheckpointEntity } from './checkpoints/projection-checkpoint.entity';
export { ApiKeyEntity } from './keys/api-key.entity';
export { IdempotencyKeyEntity } from './keys/idempotency-key.entity';
export { ReadModels1767225600000 } from './migrations/1767225600000-read-models';
export { VitalsRollups1767484800000 } from './migrations/1767484800000-vitals-rollups';
export { VitalsRollupEntity } from './vitals/vitals-rollup.entity';
export {
  ROLLUP_MINUTE_MS,
  VitalsRollupAccumulator,
  pruneVitalsRollups,
  readLastVitalAt,
  readVitalsRollups,
  upsertVitalsRollups,
  type RollupSql,
  type VitalsRollupRow,
  type VitalsRollupView,
} from './vitals/vitals-rollups';
export { Healing1767398400000 } from './migrations/1767398400000-healing';
export { HealingLogEntity, HealingPatternEntity, HealingAgentMemoryEntity } from './healing/healing.entities';
export { healingLogProjection, healingLogEntryOf, HEALING_LOG_EVENT_TYPES } from './healing/healing-log.projection';
export { healingPatternsProjection, outcomeOf, type HealingPatternRow } from './healing/healing-patterns.projection';
export { healingAgentMemoryProjection, evolveAgentMemory, type HealingAgentMemoryRow } from './healing/healing-agent-memory.projection';
export { generateAgentEventLog, asStoredEvents, type AgentEventLogOptions, type GeneratedEvent } from './fixtures/agent-event-log';
export { EscalationEntity } from './escalations/escalation.entity';
export { escalationsProjection, evolveEscalation, type EscalationRow } from './escalations/escalations.projection';
export { PostureEntity } from './posture/posture.entity';
export { postureProjection, evolvePostureRow, defaultPostureRow, POSTURE_ROW_EVENT_TYPES, type PostureRowDoc } from './posture/posture.projection';
export { Escalations1767312000000 } from './migrations/1767312000000-escalations';
