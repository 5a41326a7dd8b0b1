import type { NatsConnection } from '@nats-io/transport-node';
import { JetStreamApiError, StorageType } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { Names } from '@immune/contracts';

const STREAM_EXISTS_WITH_OTHER_CONFIG = 10058;

export interface SentinelBuckets {
  leases: KV;
  baselines: KV;
  config: KV;
}

/** Opens a KV bucket, creating it when missing (another service may create it with other settings: use it). */
export async function openBucket(nc: NatsConnection, name: string, history = 1): Promise<KV> {
  const kvm = new Kvm(nc);
  try {
    return await kvm.create(name, { history, storage: StorageType.File });
  } catch (e) {
    if (!(e instanceof JetStreamApiError && e.code === STREAM_EXISTS_WITH_OTHER_CONFIG)) throw e;
    return kvm.open(name);
  }
}

/** The sentinel's buckets: partition leases, persisted baselines, runtime configuration. */
export async function openSentinelBuckets(nc: NatsConnection, names: Names): Promise<SentinelBuckets> {
  const [leases, baselines, config] = await Promise.all([
    openBucket(nc, names.sentinelLeases),
    openBucket(nc, names.baselines),
    openBucket(nc, names.configBucket, 5),
  ]);
  return { leases, baselines, config };
}
