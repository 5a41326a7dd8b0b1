import type { KV, KvEntry } from '@nats-io/kv';
import { leaseKey } from './partition-of';
import { watchKv, type KvWatch } from './watch-kv';

/** The value of a lease key (`p{n}`). `expiresAt` is epoch ms at the owner's clock when it last renewed. */
export interface LeaseValue {
  owner: string;
  expiresAt: number;
}

export interface LeaseLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface PartitionLeasesOptions {
  /** The lease bucket (one key per partition). */
  kv: KV;
  /** This instance's id, written as the lease owner. */
  owner: string;
  partitions: number;
  /** Instances alive now, this one included (e.g. from heartbeats); each aims at ceil(partitions / live). */
  liveInstances: () => number;
  /** Called with newly acquired partitions (already leased): load their state, then start using them. */
  onAcquired: (partitions: number[]) => Promise<void>;
  /** Called before partitions are handed back (rebalancing, stop): stop using them at once, persist, return. */
  onReleasing: (partitions: number[]) => Promise<void>;
  /** Called when leases are lost (a renewal failed or came too late): stop using them at once, synchronously. */
  onLost: (partitions: number[]) => void;
  /** Lease length (default 10 s). */
  leaseMs?: number;
  /** Renewal and rebalancing period (default 2 s). */
  renewEveryMs?: number;
  /**
   * A lease is used only until `safetyMs` before it would expire (default 2 s): the margin covers clock skew
   * between instances and a late timer. Another instance takes it over only once `expiresAt` has passed.
   */
  safetyMs?: number;
  logger?: LeaseLogger;
  now?: () => number;
}

interface Held {
  revision: number;
  /** Local time until which the lease may be used (last successful renewal's send time + lease − safety). */
  validUntil: number;
}

interface Seen {
  revision: number;
  value: LeaseValue | null;
}

/**
 * Leases of P partitions in a KV bucket, by compare-and-set (NATS 2.9 has no per-key TTL): `create` takes a
 * free key, `update(key, value, revision)` renews a held one or takes over an expired one, `delete` with the
 * revision hands one back. Every `renewEveryMs` the instance renews what it holds, hands back what exceeds
 * its fair share ceil(P / live) so a newcomer can take it, and takes free or expired partitions up to that
 * share. A lease whose renewal fails, or is not confirmed before `validUntil`, is dropped at once (`onLost`),
 * so two instances never use one partition at the same time (given clock skew below `safetyMs`).
 */
export class PartitionLeases {
  private readonly held = new Map<number, Held>();
  private readonly seen = new Map<number, Seen>();
  private readonly leaseMs: number;
  private readonly renewEveryMs: number;
  private readonly safetyMs: number;
  private readonly now: () => number;
  private watch: KvWatch | null = null;
  private tickTimer: NodeJS.Timeout | null = null;
  private guardTimer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly opts: PartitionLeasesOptions) {
    this.leaseMs = opts.leaseMs ?? 10_000;
    this.renewEveryMs = opts.renewEveryMs ?? 2000;
    this.safetyMs = opts.safetyMs ?? 2000;
    this.now = opts.now ?? Date.now;
    if (!(opts.partitions >= 1 && Number.isInteger(opts.partitions))) throw new Error(`partitions must be a positive integer (got ${opts.partitions})`);
    if (this.safetyMs >= this.leaseMs || this.renewEveryMs >= this.leaseMs - this.safetyMs) {
      throw new Error('lease timing: renewEveryMs < leaseMs − safetyMs and safetyMs < leaseMs are required');
    }
  }

  /** Starts watching the leases, takes a first share (awaited), then keeps renewing and rebalancing. */
  async start(): Promise<void> {
    this.watch = await watchKv(this.opts.kv, (e) => this.record(e));
    this.guardTimer = setInterval(() => this.expireOverdue(), Math.min(250, this.renewEveryMs));
    this.guardTimer.unref();
    await this.runTick();
    this.schedule();
  }

  /** Partitions held and usable now, ascending. */
  owned(): number[] {
    return [...this.held.keys()].sort((a, b) => a - b);
  }

  owns(n: number): boolean {
    return this.held.has(n);
  }

  /** Runs a renewal/rebalancing round now (after the one in progress, if any). */
  kick(): Promise<void> {
    return this.runTick();
  }

  /** Stops renewing, hands every partition back (`onReleasing`, then delete), stops watching. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.tickTimer) clearTimeout(this.tickTimer);
    await this.ticking;
    const all = this.owned();
    if (all.length > 0) await this.release(all);
    if (this.guardTimer) clearInterval(this.guardTimer);
    this.watch?.stop();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.tickTimer = setTimeout(() => {
      void this.runTick().finally(() => this.schedule());
    }, this.renewEveryMs);
    this.tickTimer.unref();
  }

  private runTick(): Promise<void> {
    const next = this.ticking.then(() => (this.stopped ? undefined : this.tick())).catch((e: unknown) => {
      this.opts.logger?.error({ err: e instanceof Error ? e.message : String(e) }, 'partition lease round failed');
    });
    this.ticking = next;
    return next;
  }

  private async tick(): Promise<void> {
    this.expireOverdue();
    await this.renew();
    const live = Math.max(1, Math.floor(this.opts.liveInstances()));
    const share = Math.ceil(this.opts.partitions / live);
    if (this.held.size > share) {
      // Hand back the highest-numbered extras; a newcomer takes them on its next round.
      await this.release(this.owned().slice(share));
    } else if (this.held.size < share) {
      await this.acquire(share - this.held.size);
    }
  }

  private record(e: KvEntry): void {
    const m = /^p(\d+)$/.exec(e.key);
    if (!m) return;
    const n = Number(m[1]);
    const prev = this.seen.get(n);
    if (prev && prev.revision > e.revision) return;
    let value: LeaseValue | null = null;
    if (e.operation === 'PUT') {
      try {
        const v = e.json<Partial<LeaseValue>>();
        if (typeof v.owner === 'string' && typeof v.expiresAt === 'number') value = { owner: v.owner, expiresAt: v.expiresAt };
      } catch {
        value = null;
      }
    }
    this.seen.set(n, { revision: e.revision, value });
  }

  /** Drops every lease whose renewal was not confirmed in time: the next owner may take it after expiresAt. */
  private expireOverdue(): void {
    const now = this.now();
    const lost: number[] = [];
    for (const [n, h] of this.held) if (h.validUntil <= now) lost.push(n);
    if (lost.length > 0) this.lose(lost, 'renewal overdue');
  }

  private lose(partitions: number[], reason: string): void {
    for (const n of partitions) this.held.delete(n);
    this.opts.logger?.warn({ partitions, reason }, 'partition leases lost');
    this.opts.onLost(partitions);
  }

  private async renew(): Promise<void> {
    const lost: number[] = [];
    await Promise.all(
      [...this.held].map(async ([n, h]) => {
        const sentAt = this.now();
        const value: LeaseValue = { owner: this.opts.owner, expiresAt: sentAt + this.leaseMs };
        try {
          const revision = await this.opts.kv.update(leaseKey(n), JSON.stringify(value), h.revision, this.renewEveryMs);
          const still = this.held.get(n);
          if (still === h) {
            h.revision = revision;
            h.validUntil = sentAt + this.leaseMs - this.safetyMs;
            this.seen.set(n, { revision, value });
          }
        } catch {
          if (this.held.get(n) === h) lost.push(n);
        }
      }),
    );
    if (lost.length > 0) this.lose(lost, 'renewal refused or failed');
  }

  private async acquire(wanted: number): Promise<void> {
    const now = this.now();
    const P = this.opts.partitions;
    // Start at an owner-specific offset so instances starting together contend less for the same keys.
    const offset = hashOwner(this.opts.owner) % P;
    const got: number[] = [];
    for (let i = 0; i < P && got.length < wanted; i++) {
      const n = (offset + i) % P;
      if (this.held.has(n)) continue;
      const s = this.seen.get(n);
      const current = s?.value ?? null;
      const free = current === null;
      // Expired, or ours from before a lost renewal (the revision we saw tells whether it is still as we left it).
      const takeable = free || current.expiresAt < now || current.owner === this.opts.owner;
      if (!takeable) continue;
      const sentAt = this.now();
      const value: LeaseValue = { owner: this.opts.owner, expiresAt: sentAt + this.leaseMs };
      try {
        const revision = free
          ? await this.opts.kv.create(leaseKey(n), JSON.stringify(value))
          : await this.opts.kv.update(leaseKey(n), JSON.stringify(value), s?.revision ?? 0, this.renewEveryMs);
        this.held.set(n, { revision, validUntil: sentAt + this.leaseMs - this.safetyMs });
        this.seen.set(n, { revision, value });
        got.push(n);
      } catch {
        // Someone else was faster (or the key changed since we saw it): the watch brings the new state.
      }
    }
    if (got.length === 0) return;
    got.sort((a, b) => a - b);
    this.opts.logger?.info({ partitions: got, owner: this.opts.owner }, 'partitions acquired');
    try {
      await this.opts.onAcquired(got);
    } catch (e) {
      this.opts.logger?.error({ partitions: got, err: e instanceof Error ? e.message : String(e) }, 'loading acquired partitions failed; handing them back');
      const mine = got.filter((n) => this.held.has(n));
      this.lose(mine, 'load failed');
      await this.deleteLeases(mine.map((n) => [n, this.seen.get(n)?.revision ?? 0] as const));
    }
  }

  private async release(partitions: number[]): Promise<void> {
    const revisions = partitions.map((n) => [n, this.held.get(n)?.revision ?? 0] as const);
    try {
      await this.opts.onReleasing(partitions);
    } catch (e) {
      this.opts.logger?.error({ partitions, err: e instanceof Error ? e.message : String(e) }, 'persisting released partitions failed');
    }
    for (const n of partitions) this.held.delete(n);
    await this.deleteLeases(revisions);
    this.opts.logger?.info({ partitions, owner: this.opts.owner }, 'partitions released');
  }

  private async deleteLeases(revisions: ReadonlyArray<readonly [number, number]>): Promise<void> {
    await Promise.all(
      revisions.map(async ([n, revision]) => {
        try {
          // Only our own lease: if it changed hands meanwhile, the delete is refused.
          await this.opts.kv.delete(leaseKey(n), { previousSeq: revision });
        } catch {
          // It expires on its own.
        }
      }),
    );
  }
}

function hashOwner(owner: string): number {
  let h = 0;
  for (let i = 0; i < owner.length; i++) h = (Math.imul(h, 31) + owner.charCodeAt(i)) >>> 0;
  return h;
}
