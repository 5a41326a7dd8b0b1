export { decodeStoredEvent, PoisonEventError, isPoisonEvent } from './decode-event';
export { quoteIdent, qualifiedTable, toCopyField, toCopyLine, copyLineEncoder, escapeCopyText } from './sql-values';
export { applyToTable, insertRows, safeEvolve, type EvolveErrorHandler } from './projection-writer';
export {
  ProjectionRunner,
  CheckpointGapError,
  isCheckpointGap,
  lockProjections,
  readCheckpoints,
  advanceCheckpoints,
  CHECKPOINT_TABLE,
  type ApplyRange,
  type ApplyResult,
  type ProjectionRunnerOptions,
} from './projection-runner';
export { rebuild, selectProjections, SHADOW_SUFFIX, type RebuildOptions, type RebuildStats, type RebuildTimings } from './rebuild';
export { readEventStream, readEventBatches, lastStreamSeq, type ReadEventStreamOptions, type ReadEventBatchesOptions } from './event-stream.reader';
export {
  controlProjectors,
  ProjectorPause,
  DEFAULT_PAUSE_LEASE_MS,
  type ProjectorControlRequest,
  type ProjectorControlReply,
} from './projector-control';
export { rebuildProjections, type RebuildProjectionsOptions, type RebuildProjectionsStats } from './rebuild-projections';
export { PROJECTION_NAMES } from '@immune/read-models';
export { dumpProjectionTables, type ProjectionTablesDump } from './table-dump';
