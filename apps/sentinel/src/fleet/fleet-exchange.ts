import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Names } from '@immune/contracts';
import { correlateFleet, type AnomalyType, type DetectionConfig, type FleetAnomaly, type FleetCorrelation } from '@immune/domain-detection';

/** What the sentinels tell each other on `{ns}.sentinel.anomalies`. */
export type FleetMessage =
  | { kind: 'anomalies'; instance: string; anomalies: FleetAnomaly[]; position?: number }
  | { kind: 'position'; instance: string; position: number }
  | { kind: 'baselines'; instance: string; agentsWithBaseline: number; leaving?: boolean };

export interface FleetExchangeOptions {
  /** How often this instance publishes its count of agents with a baseline (default 1 s). */
  statsEveryMs?: number;
  /** A count older than this is ignored (its instance is gone); default 5 s. */
  staleMs?: number;
  /** Anomalies are kept this long after their time (default 30 s, ≥ twice the correlation window). */
  retainMs?: number;
  now?: () => number;
  /** A position alone is published at most this often (default 5 ms); anomalies always carry the position. */
  positionEveryMs?: number;
  /** Called when another instance's anomalies or position arrive. */
  onRemote?: () => void;
}

interface Count {
  agentsWithBaseline: number;
  at: number;
}

/**
 * Fleet correlation across instances: every anomaly an instance sees is published (batched), every instance
 * keeps all of them for a while, keyed by type and agent (latest time), and sums the counts of agents with a
 * baseline that each instance reports. `correlate` then sees the whole fleet wherever its agents are scored.
 */
export class FleetExchange {
  private readonly byType = new Map<AnomalyType, Map<string, number>>();
  private readonly counts = new Map<string, Count>();
  private readonly left = new Set<string>();
  /** The stream position each other instance has scored up to (its anomalies up to there are in `byType`). */
  private readonly positions = new Map<string, number>();
  private position = 0;
  private positionSent = 0;
  private positionSentAt = 0;
  private positionTimer: NodeJS.Timeout | null = null;
  private readonly positionEveryMs: number;
  private outbox: FleetAnomaly[] = [];
  /** This instance's count, refreshed with every publication (counting walks every agent in memory). */
  private localCount = 0;
  private sub: Subscription | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly statsEveryMs: number;
  private readonly staleMs: number;
  private readonly retainMs: number;
  private readonly now: () => number;

  constructor(
    private readonly nc: NatsConnection,
    private readonly names: Names,
    private readonly instance: string,
    private readonly localBaselines: () => number,
    opts: FleetExchangeOptions = {},
  ) {
    this.statsEveryMs = opts.statsEveryMs ?? 1000;
    this.staleMs = opts.staleMs ?? 5000;
    this.retainMs = opts.retainMs ?? 30_000;
    this.now = opts.now ?? Date.now;
    this.positionEveryMs = opts.positionEveryMs ?? 5;
    this.onRemote = opts.onRemote ?? (() => undefined);
  }

  private readonly onRemote: () => void;

  start(): void {
    this.sub = this.nc.subscribe(this.names.sentinelAnomalies, {
      callback: (err, msg) => {
        if (err) return;
        try {
          this.receive(msg.json<FleetMessage>());
        } catch {
          // Not ours: ignore.
        }
      },
    });
    this.timer = setInterval(() => {
      this.flush();
      this.publishCount(false);
      this.prune();
    }, this.statsEveryMs);
    this.timer.unref();
    this.publishCount(false);
  }

  /** Remembers an anomaly of an agent this instance scores, and queues it for the other instances. */
  record(agentId: string, type: AnomalyType, ts: number): void {
    this.remember(agentId, type, ts);
    this.outbox.push({ agentId, type, ts });
    if (this.outbox.length >= 500) this.flush();
  }

  /**
   * Publishes the queued anomalies (one message) with the stream position this instance has scored up to;
   * called after each scoring batch. Without anomalies, the position alone goes out (at most every
   * `positionEveryMs`), so an instance waiting to know whether an anomaly is isolated hears when the others
   * have scored as far as it has.
   */
  flush(position?: number): void {
    if (position !== undefined && position > this.position) this.position = position;
    if (this.nc.isClosed()) return;
    if (this.outbox.length === 0) {
      this.publishPosition();
      return;
    }
    const msg: FleetMessage = { kind: 'anomalies', instance: this.instance, anomalies: this.outbox, position: this.position };
    this.outbox = [];
    this.positionSent = this.position;
    this.positionSentAt = this.now();
    try {
      this.nc.publish(this.names.sentinelAnomalies, JSON.stringify(msg));
    } catch {
      // Disconnected: the other instances miss these; local correlation still has them.
    }
  }

  private publishPosition(): void {
    if (this.position === this.positionSent || this.positionTimer !== null) return;
    const wait = this.positionSentAt + this.positionEveryMs - this.now();
    if (wait > 0) {
      this.positionTimer = setTimeout(() => {
        this.positionTimer = null;
        this.publishPosition();
      }, wait);
      this.positionTimer.unref();
      return;
    }
    this.positionSent = this.position;
    this.positionSentAt = this.now();
    if (this.nc.isClosed()) return;
    try {
      this.nc.publish(this.names.sentinelAnomalies, JSON.stringify({ kind: 'position', instance: this.instance, position: this.position } satisfies FleetMessage));
    } catch {
      // Disconnected: the others wait for it until their deadline.
    }
  }

  /**
   * Whether every other live instance (one that reported its count within `staleMs` and has not left) has
   * reported scoring at least up to `position` — so its anomalies of every vital up to there are known here.
   */
  othersReached(position: number): boolean {
    const cutoff = this.now() - this.staleMs;
    for (const [instance, c] of this.counts) {
      if (instance === this.instance || c.at < cutoff || this.left.has(instance)) continue;
      if ((this.positions.get(instance) ?? 0) < position) return false;
    }
    return true;
  }

  /** Agents with a baseline across the fleet: this instance's count (≤ 1 s old) plus every fresh remote count. */
  agentsWithBaseline(): number {
    const cutoff = this.now() - this.staleMs;
    let total = this.localCount;
    for (const [instance, c] of this.counts) if (instance !== this.instance && c.at >= cutoff && !this.left.has(instance)) total += c.agentsWithBaseline;
    return total;
  }

  /** Whether an instance announced that it is stopping (so it no longer counts as live). */
  hasLeft(instance: string): boolean {
    return this.left.has(instance);
  }

  /**
   * Whether any agent other than `agentId` showed one of `types` within `windowMs` of `nowMs`, as far as this
   * instance knows (its own anomalies at once, the other instances' after their next flush).
   */
  othersShowing(agentId: string, types: ReadonlyArray<AnomalyType>, nowMs: number, windowMs: number): boolean {
    const from = nowMs - windowMs;
    const to = nowMs + windowMs;
    for (const type of types) {
      const agents = this.byType.get(type);
      if (!agents) continue;
      for (const [other, ts] of agents) if (other !== agentId && ts >= from && ts <= to) return true;
    }
    return false;
  }

  correlate(nowMs: number, config: Readonly<DetectionConfig>): FleetCorrelation {
    const recent: FleetAnomaly[] = [];
    const from = nowMs - config.fleetWindowMs;
    const to = nowMs + config.fleetWindowMs;
    for (const [type, agents] of this.byType) {
      for (const [agentId, ts] of agents) if (ts >= from && ts <= to) recent.push({ agentId, type, ts });
    }
    return correlateFleet({ nowMs, agentsWithBaseline: this.agentsWithBaseline(), recent }, config);
  }

  /** Publishes a last count with `leaving` (others stop counting this instance at once) and stops listening. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.positionTimer) clearTimeout(this.positionTimer);
    this.flush();
    this.publishCount(true);
    this.sub?.unsubscribe();
    this.sub = null;
  }

  private receive(m: FleetMessage): void {
    if (typeof m !== 'object' || m === null || typeof m.instance !== 'string' || m.instance === this.instance) return;
    if (m.kind === 'anomalies' && Array.isArray(m.anomalies)) {
      for (const a of m.anomalies) {
        if (a && typeof a.agentId === 'string' && typeof a.type === 'string' && typeof a.ts === 'number') this.remember(a.agentId, a.type, a.ts);
      }
      if (typeof m.position === 'number') this.advance(m.instance, m.position);
      this.onRemote();
    } else if (m.kind === 'position' && typeof m.position === 'number') {
      this.advance(m.instance, m.position);
      this.onRemote();
    } else if (m.kind === 'baselines' && typeof m.agentsWithBaseline === 'number') {
      this.counts.set(m.instance, { agentsWithBaseline: m.agentsWithBaseline, at: this.now() });
      if (m.leaving === true) this.left.add(m.instance);
    }
  }

  private advance(instance: string, position: number): void {
    if (position > (this.positions.get(instance) ?? 0)) this.positions.set(instance, position);
  }

  private remember(agentId: string, type: AnomalyType, ts: number): void {
    let agents = this.byType.get(type);
    if (!agents) this.byType.set(type, (agents = new Map()));
    const prev = agents.get(agentId);
    if (prev === undefined || ts > prev) agents.set(agentId, ts);
  }

  private publishCount(leaving: boolean): void {
    this.localCount = leaving ? 0 : this.localBaselines();
    if (this.nc.isClosed()) return;
    const msg: FleetMessage = { kind: 'baselines', instance: this.instance, agentsWithBaseline: this.localCount };
    if (leaving) msg.leaving = true;
    try {
      this.nc.publish(this.names.sentinelAnomalies, JSON.stringify(msg));
    } catch {
      // Disconnected: the count goes stale, which is what the others should see.
    }
  }

  private prune(): void {
    const cutoff = this.now() - this.retainMs;
    for (const [type, agents] of this.byType) {
      for (const [agentId, ts] of agents) if (ts < cutoff) agents.delete(agentId);
      if (agents.size === 0) this.byType.delete(type);
    }
    const stale = this.now() - 10 * this.staleMs;
    for (const [instance, c] of this.counts) {
      if (c.at < stale) {
        this.counts.delete(instance);
        this.positions.delete(instance);
      }
    }
  }
}
