import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { createInbox, type NatsConnection } from '@nats-io/nats-core';
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
    private readonly nc: NatsConnection,
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

  /**
   * Writes every entry with at most `window` puts in flight; returns the keys that failed (a refusal, or no
   * acknowledgement within `timeoutMs` of the last one heard). The puts are plain publishes to the bucket's
   * subjects whose JetStream acknowledgements come back to one inbox subscription: a put stays a stored,
   * acknowledged write, without `kv.put`'s promise, timer and two Error objects per entry — a snapshot writes
   * every dirty agent every few seconds, which made the puts a fifth of the sentinel's CPU at 40,000 vitals/s.
   */
  write(entries: ReadonlyArray<readonly [string, string]>, window = 256, timeoutMs = 5000): Promise<Set<string>> {
    const failed = new Set<string>();
    if (entries.length === 0) return Promise.resolve(failed);
    const nc = this.nc;
    const inbox = createInbox();
    /** 0 waiting, 1 stored, 2 refused. */
    const state = new Uint8Array(entries.length);
    let next = 0;
    let inFlight = 0;
    let answered = 0;
    return new Promise<Set<string>>((resolve) => {
      let timer: NodeJS.Timeout | null = null;
      const finish = (): void => {
        if (timer !== null) clearTimeout(timer);
        timer = null;
        sub.unsubscribe();
        for (let i = 0; i < entries.length; i++) if (state[i] !== 1) failed.add((entries[i] as readonly [string, string])[0]);
        resolve(failed);
      };
      const stall = (): void => {
        if (timer !== null) clearTimeout(timer);
        timer = setTimeout(finish, timeoutMs);
      };
      const pump = (): void => {
        while (inFlight < window && next < entries.length) {
          const [key, value] = entries[next] as readonly [string, string];
          try {
            nc.publish(this.subjectPrefix + key, value, { reply: `${inbox}.${next}` });
            inFlight++;
          } catch {
            state[next] = 2;
            answered++;
          }
          next++;
        }
        if (answered === entries.length) finish();
      };
      const sub = nc.subscribe(`${inbox}.*`, {
        callback: (err, msg) => {
          if (err) return;
          const i = Number(msg.subject.slice(inbox.length + 1));
          if (!Number.isInteger(i) || i < 0 || i >= entries.length || state[i] !== 0) return;
          let ok = false;
          try {
            const ack = msg.json<{ seq?: unknown; error?: unknown }>();
            ok = ack.error === undefined && typeof ack.seq === 'number';
          } catch {
            ok = false; // e.g. a no-responders status without a body
          }
          state[i] = ok ? 1 : 2;
          answered++;
          inFlight--;
          stall();
          pump();
        },
      });
      stall();
      pump();
    });
  }
}

function parse<T>(data: Uint8Array): T | null {
  try {
    return JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8')) as T;
  } catch {
    return null;
  }
}
