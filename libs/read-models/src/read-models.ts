import { AgentEntity } from './agents/agent.entity';
import { agentsProjection } from './agents/agents.projection';
import { ProjectionCheckpointEntity } from './checkpoints/projection-checkpoint.entity';
import { EventEntity } from './events/event.entity';
import { eventsProjection } from './events/events.projection';
import { ApiKeyEntity } from './keys/api-key.entity';
import { IdempotencyKeyEntity } from './keys/idempotency-key.entity';
import { ReadModels1767225600000 } from './migrations/1767225600000-read-models';
import type { ProjectionDefinition } from './projection';
import { QuarantineEntity } from './quarantines/quarantine.entity';
import { quarantinesProjection } from './quarantines/quarantines.projection';
import { ReportEntity } from './report/report.entity';
import { reportProjection } from './report/report.projection';

/** Every table's entity, for a DataSource bound to the namespace schema (`schema: namespace`). */
export const READ_MODEL_ENTITIES = [
  AgentEntity,
  QuarantineEntity,
  EventEntity,
  ReportEntity,
  ProjectionCheckpointEntity,
  ApiKeyEntity,
  IdempotencyKeyEntity,
];

/** In order; each creates its tables in the DataSource's schema. */
export const READ_MODEL_MIGRATIONS = [ReadModels1767225600000];

/** Every projection of the event log, in the order the projector applies them within a batch. */
export const READ_MODEL_PROJECTIONS: readonly ProjectionDefinition[] = [
  agentsProjection as ProjectionDefinition,
  quarantinesProjection as ProjectionDefinition,
  reportProjection as ProjectionDefinition,
  eventsProjection as ProjectionDefinition,
];

/** The names `projections rebuild --name` accepts (= checkpoint names). */
export const PROJECTION_NAMES: readonly string[] = READ_MODEL_PROJECTIONS.map((p) => p.name);
