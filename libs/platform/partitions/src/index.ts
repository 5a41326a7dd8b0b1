export { fnv1a32, partitionOf, partitionOfTail, leaseKey } from './partition-of';
export { PartitionLeases, type LeaseValue, type LeaseLogger, type PartitionLeasesOptions } from './partition-leases';
export { watchKv, type KvWatch, type WatchKvOptions } from './watch-kv';
export { PostureWatch } from './posture-watch';
