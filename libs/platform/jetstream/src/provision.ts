import type { NatsConnection } from '@nats-io/transport-node';
import {
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  JetStreamApiCodes,
  jetstreamManager,
  type JetStreamManager,
  type StreamConfig,
  type StreamInfo,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { Kvm, type KV } from '@nats-io/kv';
import type { Names } from '@immune/contracts';
import { jetStreamApiCode } from './errors';

/** Duplicate window of the event log: a retried command (same event ids) within it is stored once. */
export const EVENT_DUPLICATE_WINDOW_MS = 2 * 60_000;
const STREAM_EXISTS_WITH_OTHER_CONFIG = 10058;

type DesiredStream = Partial<StreamConfig> & { name: string };

/** The event log: append-only, nothing expires, deletion and purge denied (DESIGN: the event log). */
export function eventStreamConfig(names: Names, replicas = 1): DesiredStream {
  return {
    name: names.eventsStream,
    subjects: [names.eventsWildcard],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: 0,
    max_msgs: -1,
    max_bytes: -1,
    max_msgs_per_subject: -1,
    discard: DiscardPolicy.New,
    deny_delete: true,
    deny_purge: true,
    allow_rollup_hdrs: false,
    duplicate_window: nanos(EVENT_DUPLICATE_WINDOW_MS),
    num_replicas: replicas,
  };
}

/** Vitals are telemetry, not a record: old ones age out. */
export function vitalsStreamConfig(names: Names, maxAgeMs = 24 * 3_600_000, replicas = 1): DesiredStream {
  return {
    name: names.vitalsStream,
    subjects: [names.vitalsWildcard],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: nanos(maxAgeMs),
    max_msgs: -1,
    max_bytes: -1,
    discard: DiscardPolicy.Old,
    // The server refuses a duplicate window longer than max_age.
    duplicate_window: nanos(Math.min(EVENT_DUPLICATE_WINDOW_MS, maxAgeMs)),
    num_replicas: replicas,
  };
}

/**
 * Creates the stream, or updates it to the desired config. Every service calls this at start, possibly at the
 * same moment: an identical concurrent add succeeds on the server, a differing one (10058) falls back to update.
 */
export async function ensureStream(jsm: JetStreamManager, desired: DesiredStream): Promise<StreamInfo> {
  let current: StreamInfo | null = null;
  try {
    current = await jsm.streams.info(desired.name);
  } catch (e) {
    if (jetStreamApiCode(e) !== JetStreamApiCodes.StreamNotFound) throw e;
  }
  if (!current) {
    try {
      return await jsm.streams.add(desired);
    } catch (e) {
      if (jetStreamApiCode(e) !== STREAM_EXISTS_WITH_OTHER_CONFIG) throw e;
      current = await jsm.streams.info(desired.name);
    }
  }
  if (!differs(current.config, desired)) return current;
  return jsm.streams.update(desired.name, { ...current.config, ...desired });
}

function differs(current: Partial<StreamConfig>, desired: DesiredStream): boolean {
  return Object.entries(desired).some(([k, v]) => JSON.stringify((current as Record<string, unknown>)[k]) !== JSON.stringify(v));
}

export function provisionEventStream(jsm: JetStreamManager, names: Names, replicas = 1): Promise<StreamInfo> {
  return ensureStream(jsm, eventStreamConfig(names, replicas));
}

export function provisionVitalsStream(jsm: JetStreamManager, names: Names, maxAgeMs = 24 * 3_600_000, replicas = 1): Promise<StreamInfo> {
  return ensureStream(jsm, vitalsStreamConfig(names, maxAgeMs, replicas));
}

/**
 * Opens a KV bucket, creating it when missing. A creation race lost against another service (or a bucket made
 * with other settings) is not an error: the bucket that is there is used as it is.
 */
export async function openBucket(nc: NatsConnection, name: string, history = 1, replicas = 1): Promise<KV> {
  const kvm = new Kvm(nc);
  try {
    return await kvm.create(name, { history, storage: StorageType.File, replicas });
  } catch (e) {
    if (jetStreamApiCode(e) !== STREAM_EXISTS_WITH_OTHER_CONFIG) throw e;
    return kvm.open(name);
  }
}

/** Revisions kept per key of the config bucket: who changed the detection settings or the posture, and when. */
export const CONFIG_BUCKET_HISTORY = 5;

/** The runtime configuration bucket `{ns}_config` (keys `detection`, `posture`). */
export function openConfigBucket(nc: NatsConnection, names: Names): Promise<KV> {
  return openBucket(nc, names.configBucket, CONFIG_BUCKET_HISTORY);
}

/** The status bucket agents watch; one value per agent is enough (the history lives in the event log). */
export function provisionStatusBucket(nc: NatsConnection, names: Names, replicas = 1): Promise<KV> {
  return openBucket(nc, names.statusBucket, 1, replicas);
}

export interface Provisioned {
  events: StreamInfo;
  vitals: StreamInfo;
  status: KV;
}

export async function provisionAll(nc: NatsConnection, names: Names, opts: { vitalsMaxAgeMs?: number; replicas?: number } = {}): Promise<Provisioned> {
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  const [events, vitals, status] = await Promise.all([
    provisionEventStream(jsm, names, opts.replicas),
    provisionVitalsStream(jsm, names, opts.vitalsMaxAgeMs, opts.replicas),
    provisionStatusBucket(nc, names, opts.replicas),
  ]);
  return { events, vitals, status };
}
