import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { readStreamRaw } from '@immune/platform-jetstream';
import { partitionOf } from '@immune/platform-partitions';
import type { BaselineSnapshot } from '@immune/domain-detection';

/** The value stored under an agent's id in the baselines bucket. */
export interface StoredBaseline {
  partition: number;
  /** Stream sequence of the last vital this snapshot has scored: a replay skips everything up to it. */
  lastSeq: number;
  snapshot: BaselineSnapshot;
}

/**
 * The value stored under `partition.p{n}`: every vital of the partition up to `lastSeq` is in the agents'
 * snapshots, so a new owner starts reading at lastSeq + 1. `partitions` is the P it was computed under.
 */
export interface PartitionProgress {
  lastSeq: number;
  partitions: number;
}

export const progressKey = (n: number): string => `partition.p${n}`;
const PROGRESS = /^partition\.p(\d+)$/;

export interface LoadedPartitions {
  /** Stored baselines by partition (values still unparsed beyond JSON). */
  agents: Map<number, Array<{ agentId: string; stored: StoredBaseline }>>;
  /** Progress by partition (absent: never persisted under this P). */
  progress: Map<number, number>;
  /** Entries read (the whole bucket is read once per batch of acquired partitions). */
  read: number;
}

/**
 * Baselines in a KV bucket: one entry per agent (key = agentId) plus one progress entry per partition.
 * Loading reads the bucket's stream once, in order, and keeps what belongs to the requested partitions (the
 * partition is computed from the key, so a change of P re-sorts agents correctly); writing is a bounded
 * number of concurrent puts, never awaited one by one.
 */
export class BaselineStore {
  private readonly subjectPrefix: string;

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly kv: KV,
    private readonly bucket: string,
    private readonly partitions: number,
  ) {
    this.subjectPrefix = `$KV.${bucket}.`;
  }

  async load(wanted: ReadonlySet<number>): Promise<LoadedPartitions> {
    const out: LoadedPartitions = { agents: new Map(), progress: new Map(), read: 0 };
    const stream = `KV_${this.bucket}`;
    for await (const m of readStreamRaw(this.js, this.jsm, stream, { filterSubject: `${this.subjectPrefix}>`, batch: 4096 })) {
      out.read++;
      if (m.data.byteLength === 0) continue; // a delete marker
      const key = m.subject.slice(this.subjectPrefix.length);
      const progress = PROGRESS.exec(key);
      if (progress) {
        const n = Number(progress[1]);
        if (!wanted.has(n)) continue;
        const v = parse<Partial<PartitionProgress>>(m.data);
        if (v && typeof v.lastSeq === 'number' && v.partitions === this.partitions) out.progress.set(n, v.lastSeq);
        continue;
      }
      const n = partitionOf(key, this.partitions);
      if (!wanted.has(n)) continue;
      const stored = parse<StoredBaseline>(m.data);
      if (!stored || typeof stored.lastSeq !== 'number' || typeof stored.snapshot !== 'object') continue;
      let list = out.agents.get(n);
      if (!list) out.agents.set(n, (list = []));
      list.push({ agentId: key, stored });
    }
    return out;
  }

  /** Writes every entry with at most `concurrency` puts in flight; returns the keys that failed. */
  async write(entries: ReadonlyArray<readonly [string, string]>, concurrency = 256): Promise<Set<string>> {
    const failed = new Set<string>();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < entries.length) {
        const entry = entries[next++];
        if (!entry) break;
        try {
          await this.kv.put(entry[0], entry[1]);
        } catch {
          failed.add(entry[0]);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, entries.length) }, worker));
    return failed;
  }
}

function parse<T>(data: Uint8Array): T | null {
  try {
    return JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8')) as T;
  } catch {
    return null;
  }
}
