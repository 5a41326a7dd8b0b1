import type { NatsConnection } from '@nats-io/transport-node';
import type { KV } from '@nats-io/kv';
import type { Names } from '@immune/contracts';
import { openBucket, openConfigBucket } from '@immune/platform-jetstream';

export interface SentinelBuckets {
  leases: KV;
  baselines: KV;
  config: KV;
}

/** The sentinel's buckets: partition leases, persisted baselines, runtime configuration. */
export async function openSentinelBuckets(nc: NatsConnection, names: Names): Promise<SentinelBuckets> {
  const [leases, baselines, config] = await Promise.all([
    openBucket(nc, names.sentinelLeases),
    openBucket(nc, names.baselines),
    openConfigBucket(nc, names),
  ]);
  return { leases, baselines, config };
}
