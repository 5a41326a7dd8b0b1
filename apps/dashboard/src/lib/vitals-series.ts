/** Turning `GET /agents/{id}/vitals` into chart series (pure). */

export const CHART_METRICS = [
  ['latencyMs', 'Latency (ms)'],
  ['tokens', 'Tokens'],
  ['inputTokens', 'Input tokens'],
  ['outputTokens', 'Output tokens'],
  ['costUsd', 'Cost (USD)'],
  ['toolCalls', 'Tool calls'],
] as const;
export type ChartMetric = (typeof CHART_METRICS)[number][0];

export interface VitalsHistory {
  items?: Array<Record<string, unknown>>;
  recent?: Array<Record<string, unknown>>;
  baseline?: { metrics?: Record<string, { mean: number; std: number; low: number; high: number }>; bandSigma?: number; warm?: boolean } | null;
}

/** Seconds since the epoch of a `ts`-like field (epoch ms or ISO), or null. */
export function toSeconds(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v > 1e11 ? v / 1000 : v;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? null : t / 1000;
  }
  return null;
}

/** The value of a metric in one per-minute rollup (means per vital). */
function rollupValue(item: Record<string, unknown>, m: ChartMetric): number | null {
  const count = typeof item['count'] === 'number' && item['count'] > 0 ? item['count'] : null;
  if (m === 'latencyMs') return typeof item['latencyMeanMs'] === 'number' ? item['latencyMeanMs'] : null;
  const total = item[m];
  if (typeof total !== 'number' || !count) return null;
  return total / count;
}

/**
 * Points for one metric: per-minute means from the rollups, then the individual recent vitals after the last
 * rollup minute starts; and the baseline band (low, high) when the sentinel has one.
 */
export function seriesFor(h: VitalsHistory, m: ChartMetric): { t: number[]; v: number[]; band: { low: number; high: number; mean: number } | null } {
  const pts = new Map<number, number>();
  const recentTimes = (h.recent ?? []).map((v) => toSeconds(v['ts'] ?? v['at'] ?? v['receivedAt'])).filter((t): t is number => t !== null);
  // Minutes the individual recent vitals cover are drawn from those, not from the minute's mean.
  const firstRecent = recentTimes.length > 0 ? Math.min(...recentTimes) : Infinity;
  for (const item of h.items ?? []) {
    const t = toSeconds(item['minute']);
    const v = rollupValue(item, m);
    if (t !== null && v !== null && t + 60 <= firstRecent) pts.set(t, v);
  }
  for (const vital of h.recent ?? []) {
    const t = toSeconds(vital['ts'] ?? vital['at'] ?? vital['receivedAt']);
    let v = vital[m];
    if (m === 'tokens' && typeof v !== 'number' && typeof vital['inputTokens'] === 'number' && typeof vital['outputTokens'] === 'number') {
      v = vital['inputTokens'] + vital['outputTokens'];
    }
    if (t !== null && typeof v === 'number') pts.set(t, v);
  }
  const t = [...pts.keys()].sort((a, b) => a - b);
  const b = h.baseline?.metrics?.[m];
  return { t, v: t.map((x) => pts.get(x)!), band: b ? { low: b.low, high: b.high, mean: b.mean } : null };
}
