/**
 * Vitals history (`GET /agents/{id}/vitals`): per-minute rollups in PostgreSQL written by telemetry, the
 * sentinel's baseline band, and the most recent vitals telemetry keeps in memory per agent.
 */

/** Request/reply subject on which telemetry instances answer an agent's recent vitals (only those that hold some answer). */
export const recentVitalsSubject = (ns: string, agentId: string): string => `${ns}.telemetry.recent.${agentId}`;

/** The reply on `recentVitalsSubject`: newest last. */
export interface RecentVitalsReply {
  agentId: string;
  vitals: Array<Record<string, unknown>>;
}

export interface VitalsRollupItem {
  /** Start of the minute (ISO-8601 UTC) of the vitals' own `ts`. */
  minute: string;
  count: number;
  failures: number;
  retries: number;
  latencyMeanMs: number;
  latencyMaxMs: number;
  inputTokens: number;
  outputTokens: number;
  tokens: number;
  costUsd: number;
  toolCalls: number;
  lastVitalAt: string;
}

/** Per metric: the baseline's mean and σ, and the band `mean ± anomalySigma·σ` (lower bound ≥ 0). */
export interface BaselineBand {
  samples: number;
  mean: number;
  std: number;
  low: number;
  high: number;
}

/** The agent view's `baseline` (CONTRACT: "baseline"), summarised from the sentinel's persisted snapshot. */
export interface AgentBaselineView {
  warm: boolean;
  samples: number;
  metrics: Record<string, BaselineBand>;
  rates: Record<string, { samples: number; rate: number; recentFailures: number }>;
  usualPromptHash: string | null;
  /** How many σ the band spans each side (the fleet's anomaly threshold). */
  bandSigma: number;
}

export interface VitalsHistoryView {
  agentId: string;
  from: string;
  to: string;
  bucketSeconds: number;
  items: VitalsRollupItem[];
  baseline: AgentBaselineView | null;
  /** Newest vitals held in memory by telemetry (up to 20, newest last); empty when none is at hand. */
  recent: Array<Record<string, unknown>>;
  lastVitalAt: string | null;
}
