export { connectNats, type ConnectNatsOptions, type NatsContext } from './connect';
export {
  provisionAll,
  provisionEventStream,
  provisionVitalsStream,
  provisionStatusBucket,
  openBucket,
  openConfigBucket,
  CONFIG_BUCKET_HISTORY,
  eventStreamConfig,
  vitalsStreamConfig,
  ensureStream,
  EVENT_DUPLICATE_WINDOW_MS,
  type Provisioned,
} from './provision';
export { canonicalJson, hashEnvelope, sealEnvelope, headsHash, headKey, parseEnvelope, type UnsealedEnvelope } from './hash-chain';
export { ConcurrencyError, isConcurrencyError } from './errors';
export { EventStore, type AppendParams, type AppendResult, type AppendedEvent, type AggregateStream } from './event-store';
export { readStreamRaw, lastOfSubject, type RawMessage, type ReadStreamOptions } from './stream-reader';
export {
  ConsumerLoop,
  runConsumer,
  ensureDurableConsumer,
  deadLetterSubject,
  defaultBackoffMs,
  decodeEvent,
  decodeJson,
  decodeRaw,
  type ConsumerLoopOptions,
  type ConsumedMessage,
  type ConsumerStats,
  type Decoder,
  type DeadLetterNotice,
  type LoopLogger,
} from './consumer-loop';
export { ChainCheckpointer, type ChainCheckpointerOptions, type CheckpointerStatus } from './chain-checkpointer';
export { verifyEventLog, verifyStream, type VerifyOptions } from './verify';
export { startHeartbeat, HeartbeatMonitor, type Heartbeat, type SeenService } from './heartbeat';
