import type { KV } from '@nats-io/kv';

/** The value under an agent's key in `{ns}_healing_leases`; `expiresAt` is epoch ms at the owner's clock. */
export interface HealingLeaseValue {
  owner: string;
  expiresAt: number;
}

export interface HealingLeasesOptions {
  kv: KV;
  owner: string;
  /** Lease length (default 15 s): a crashed holder's agents are taken over this long after its last renewal. */
  leaseMs?: number;
  /** Renewal period (default lease / 3). */
  renewEveryMs?: number;
  now?: () => number;
  /** Called when a renewal fails (another instance took the lease, or NATS is gone): stop working on the agent. */
  onLost?: (agentId: string) => void;
}

interface Held {
  revision: number;
  lost: boolean;
}

/**
 * One healing at a time per agent across any number of healer instances: a lease per agent in a KV bucket, by
 * compare-and-set (NATS 2.9 has no per-key TTL). `create` takes a free key, `update(key, value, revision)` takes
 * over an expired one or renews a held one, `delete` with the revision hands it back. A key exists only while
 * a healing is being driven, so the keys of a crashed instance are the work a survivor resumes (`expired()`).
 */
export class HealingLeases {
  private readonly held = new Map<string, Held>();
  private readonly leaseMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private renewing: Promise<void> = Promise.resolve();

  constructor(private readonly opts: HealingLeasesOptions) {
    this.leaseMs = opts.leaseMs ?? 15_000;
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    const every = this.opts.renewEveryMs ?? Math.max(200, Math.floor(this.leaseMs / 3));
    this.timer = setInterval(() => {
      this.renewing = this.renewing.then(() => this.renewAll()).catch(() => undefined);
    }, every);
    this.timer.unref();
  }

  /** The lease, or false when another live instance holds it. */
  async acquire(agentId: string): Promise<boolean> {
    if (this.held.has(agentId)) return false;
    const value = this.value();
    try {
      const revision = await this.opts.kv.create(agentId, value);
      this.held.set(agentId, { revision, lost: false });
      return true;
    } catch {
      // Most likely the key exists (held, expired, or a delete marker): look at it.
    }
    const current = await this.opts.kv.get(agentId);
    if (current === null) return false;
    if (current.operation === 'PUT') {
      const lease = parseLease(current.string());
      if (lease !== null && lease.expiresAt > this.now() && lease.owner !== this.opts.owner) return false;
    }
    try {
      // Expired, unreadable or deleted-in-between: take it over, unless someone else was faster.
      const revision = await this.opts.kv.update(agentId, value, current.revision);
      this.held.set(agentId, { revision, lost: false });
      return true;
    } catch (e) {
      if (isWrongRevision(e)) return false;
      throw e;
    }
  }

  /** Whether this instance still holds the agent's lease (false once a renewal failed). */
  holds(agentId: string): boolean {
    const h = this.held.get(agentId);
    return h !== undefined && !h.lost;
  }

  /** Hands the lease back (only if it is still ours). */
  async release(agentId: string): Promise<void> {
    const h = this.held.get(agentId);
    this.held.delete(agentId);
    if (h === undefined || h.lost) return;
    try {
      await this.opts.kv.delete(agentId, { previousSeq: h.revision });
    } catch {
      // Taken over meanwhile, or NATS is gone: the lease expires on its own.
    }
  }

  /**
   * Stops renewing without handing the lease back: it expires, and the sweep of any instance resumes the agent
   * from the log (after an error, a lost lease, or at shutdown).
   */
  abandon(agentId: string): void {
    this.held.delete(agentId);
  }

  /** Agents whose lease expired (their healer died): candidates to resume. Reads every key once. */
  async expired(): Promise<string[]> {
    const out: string[] = [];
    const keys = await this.opts.kv.keys();
    for await (const key of keys) {
      if (this.held.has(key)) continue;
      const e = await this.opts.kv.get(key);
      if (e === null || e.operation !== 'PUT') continue;
      const lease = parseLease(e.string());
      if (lease === null || lease.expiresAt <= this.now()) out.push(key);
    }
    return out;
  }

  get count(): number {
    return this.held.size;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.renewing;
  }

  private async renewAll(): Promise<void> {
    const value = this.value();
    await Promise.all(
      [...this.held].map(async ([agentId, h]) => {
        if (h.lost) return;
        try {
          h.revision = await this.opts.kv.update(agentId, value, h.revision);
        } catch {
          h.lost = true;
          this.opts.onLost?.(agentId);
        }
      }),
    );
  }

  private value(): string {
    const v: HealingLeaseValue = { owner: this.opts.owner, expiresAt: this.now() + this.leaseMs };
    return JSON.stringify(v);
  }
}

function parseLease(s: string): HealingLeaseValue | null {
  try {
    const v = JSON.parse(s) as Partial<HealingLeaseValue>;
    return typeof v.owner === 'string' && typeof v.expiresAt === 'number' ? { owner: v.owner, expiresAt: v.expiresAt } : null;
  } catch {
    return null;
  }
}

function isWrongRevision(e: unknown): boolean {
  const msg = e instanceof Error ? e.message : String(e);
  const code = (e as { api_error?: { err_code?: number }; code?: number })?.api_error?.err_code ?? (e as { code?: number }).code;
  return code === 10071 || code === 10164 || /wrong last sequence|key exists/i.test(msg);
}
