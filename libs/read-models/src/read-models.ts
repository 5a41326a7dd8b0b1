import { AgentEntity } from './agents/agent.entity';
import { agentsProjection } from './agents/agents.projection';
import { ProjectionCheckpointEntity } from './checkpoints/projection-checkpoint.entity';
import { EventEntity } from './events/event.entity';
import { eventsProjection } from './events/events.projection';
import { ApiKeyEntity } from './keys/api-key.entity';
import { IdempotencyKeyEntity } from './keys/idempotency-key.entity';
import { ReadModels1767225600000 } from './migrations/1767225600000-read-models';
import { VitalsRollups1767484800000 } from './migrations/1767484800000-vitals-rollups';
import { QuarantineDocJson1767571200000 } from './migrations/1767571200000-quarantine-doc-json';
import { Escalations1767312000000 } from './migrations/1767312000000-escalations';
import { Healing1767398400000 } from './migrations/1767398400000-healing';
import { HealingAgentMemoryEntity, HealingLogEntity, HealingPatternEntity } from './healing/healing.entities';
import { healingAgentMemoryProjection } from './healing/healing-agent-memory.projection';
import { healingLogProjection } from './healing/healing-log.projection';
import { healingPatternsProjection } from './healing/healing-patterns.projection';
import { EscalationEntity } from './escalations/escalation.entity';
import { escalationsProjection } from './escalations/escalations.projection';
import { PostureEntity } from './posture/posture.entity';
import { postureProjection } from './posture/posture.projection';
import type { ProjectionDefinition } from './projection';
import { QuarantineEntity } from './quarantines/quarantine.entity';
import { quarantinesProjection } from './quarantines/quarantines.projection';
import { ReportEntity } from './report/report.entity';
import { reportProjection } from './report/report.projection';
import { VitalsRollupEntity } from './vitals/vitals-rollup.entity';

/** Every table's entity, for a DataSource bound to the namespace schema (`schema: namespace`). */
export const READ_MODEL_ENTITIES = [
  AgentEntity,
  QuarantineEntity,
  EventEntity,
  ReportEntity,
  ProjectionCheckpointEntity,
  ApiKeyEntity,
  IdempotencyKeyEntity,
  VitalsRollupEntity,
  EscalationEntity,
  PostureEntity,
  HealingLogEntity,
  HealingPatternEntity,
  HealingAgentMemoryEntity,
];

/** In order; each creates its tables in the DataSource's schema. */
export const READ_MODEL_MIGRATIONS = [ReadModels1767225600000, Escalations1767312000000, Healing1767398400000, VitalsRollups1767484800000, QuarantineDocJson1767571200000];

/** Every projection of the event log, in the order the projector applies them within a batch. */
export const READ_MODEL_PROJECTIONS: readonly ProjectionDefinition[] = [
  agentsProjection as ProjectionDefinition,
  quarantinesProjection as ProjectionDefinition,
  reportProjection as ProjectionDefinition,
  eventsProjection as ProjectionDefinition,
  escalationsProjection as ProjectionDefinition,
  postureProjection as ProjectionDefinition,
  healingLogProjection as ProjectionDefinition,
  healingPatternsProjection as ProjectionDefinition,
  healingAgentMemoryProjection as ProjectionDefinition,
];

/** The names `projections rebuild --name` accepts (= checkpoint names). */
export const PROJECTION_NAMES: readonly string[] = READ_MODEL_PROJECTIONS.map((p) => p.name);
