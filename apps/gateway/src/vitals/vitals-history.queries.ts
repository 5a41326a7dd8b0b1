import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import {
  recentVitalsSubject,
  type AgentBaselineView,
  type Names,
  type RecentVitalsReply,
  type VitalsHistoryView,
} from '@immune/contracts';
import { CONTINUOUS_METRICS, DEFAULT_DETECTION_CONFIG, RATE_METRICS, describeBaseline, restoreBaseline } from '@immune/domain-detection';
import { readLastVitalAt, readVitalsRollups } from '@immune/read-models';
import type { SqlRunner } from '../common/sql';

export interface VitalsRange {
  fromMs: number;
  toMs: number;
}

/** At most this many minutes per answer (7 days). */
export const MAX_RANGE_MS = 7 * 24 * 60 * 60_000;
/** Only a telemetry instance holding vitals of the agent answers: an agent with none costs this wait. */
const RECENT_TIMEOUT_MS = 100;

/**
 * An agent's vitals history for the dashboard, framework-free: per-minute rollups (PostgreSQL, written by
 * telemetry), its baseline summarised as mean ± σ bands (the sentinel's persisted snapshot in the baselines
 * bucket), and its newest vitals (asked of the telemetry instances that hold them). None of these is a
 * projection of the event log: they are history and the sentinel's current state, read as they are now.
 */
export class VitalsHistoryQueries {
  private kv: Promise<KV | null> | null = null;

  constructor(
    private readonly nc: NatsConnection,
    private readonly names: Names,
    private readonly sql: SqlRunner,
    /** The σ the band spans each side (the fleet's anomaly threshold in force). */
    private readonly bandSigma: () => Promise<number> = async () => DEFAULT_DETECTION_CONFIG.anomalySigma,
  ) {}

  async history(agentId: string, range: VitalsRange): Promise<VitalsHistoryView> {
    const limit = Math.ceil((range.toMs - range.fromMs) / 60_000) + 1;
    const [items, baseline, recent, lastFromRollups] = await Promise.all([
      readVitalsRollups(this.sql, this.names.pgSchema, agentId, range.fromMs, range.toMs, limit),
      this.baseline(agentId),
      this.recent(agentId),
      readLastVitalAt(this.sql, this.names.pgSchema, agentId),
    ]);
    return {
      agentId,
      from: new Date(range.fromMs).toISOString(),
      to: new Date(range.toMs).toISOString(),
      bucketSeconds: 60,
      items,
      baseline,
      recent,
      lastVitalAt: latest(lastFromRollups, recent),
    };
  }

  /**
   * `baseline` and `lastVitalAt` of the agent view (GET /agents/{id}): one KV get and one indexed row, never a
   * question to telemetry (whose silence would cost its timeout), so `lastVitalAt` lags by up to a rollup flush (2 s).
   */
  async overlay(agentId: string): Promise<{ baseline: AgentBaselineView | null; lastVitalAt: string | null }> {
    const [baseline, lastVitalAt] = await Promise.all([this.baseline(agentId), readLastVitalAt(this.sql, this.names.pgSchema, agentId)]);
    return { baseline, lastVitalAt };
  }

  /** The sentinel's persisted baseline of the agent (at most a snapshot period old), or null. */
  async baseline(agentId: string): Promise<AgentBaselineView | null> {
    const kv = await this.bucket();
    if (!kv) return null;
    let stored: { snapshot?: unknown } | null = null;
    try {
      const entry = await kv.get(agentId);
      if (!entry || entry.operation !== 'PUT' || entry.length === 0) return null;
      stored = entry.json<{ snapshot?: unknown }>();
    } catch {
      return null;
    }
    const b = stored && typeof stored === 'object' ? restoreBaseline(stored.snapshot) : null;
    if (!b) return null;
    const sigma = await this.bandSigma().catch(() => DEFAULT_DETECTION_CONFIG.anomalySigma);
    const d = describeBaseline(b);
    const metrics: AgentBaselineView['metrics'] = {};
    for (const m of CONTINUOUS_METRICS) {
      const s = d.metrics[m];
      metrics[m] = { samples: s.samples, mean: s.mean, std: s.std, low: Math.max(0, s.mean - sigma * s.std), high: s.mean + sigma * s.std };
    }
    const rates: AgentBaselineView['rates'] = {};
    for (const m of RATE_METRICS) {
      const r = d.rates[m];
      rates[m] = { samples: r.samples, rate: r.rate, recentFailures: r.recentFailures };
    }
    return { warm: d.warm, samples: d.samples, metrics, rates, usualPromptHash: d.usualPromptHash, bandSigma: sigma };
  }

  /** The newest vitals a telemetry instance holds in memory (empty when none answers in time). */
  async recent(agentId: string): Promise<Array<Record<string, unknown>>> {
    try {
      const msg = await this.nc.request(recentVitalsSubject(this.names.ns, agentId), '', { timeout: RECENT_TIMEOUT_MS });
      const reply = msg.json<RecentVitalsReply>();
      return Array.isArray(reply.vitals) ? reply.vitals : [];
    } catch {
      return [];
    }
  }

  private bucket(): Promise<KV | null> {
    if (!this.kv) {
      // Opened, never created: until a sentinel has run there are no baselines.
      this.kv = new Kvm(this.nc).open(this.names.baselines).then(
        (kv) => kv,
        () => {
          this.kv = null;
          return null;
        },
      );
    }
    return this.kv;
  }
}

function latest(fromRollups: string | null, recent: ReadonlyArray<Record<string, unknown>>): string | null {
  const newest = recent[recent.length - 1]?.['ts'];
  const r = typeof newest === 'string' ? newest : null;
  if (fromRollups === null) return r;
  if (r === null) return fromRollups;
  return Date.parse(r) > Date.parse(fromRollups) ? r : fromRollups;
}
