import { DEFAULT_AGENT_COMMAND_TIMEOUT_MS } from '@immune/contracts';
import { intFromEnv } from '@immune/platform-runtime';

/** The healer's settings (environment, documented in apps/healer/README.md). */
export interface HealerSettings {
  /** How long an agent has to answer an action (HEALER_COMMAND_TIMEOUT_MS, default 5000). */
  agentTimeoutMs: number;
  /** Lease per agent (HEALER_LEASE_MS, default 15000): a dead healer's agents are resumed after this. */
  leaseMs: number;
  /** How often expired leases are looked for (HEALER_SWEEP_MS, default 5000). */
  sweepMs: number;
  /** Healthy vitals that pass probation (HEALER_PROBATION_VITALS, default 5). */
  probationVitals: number;
  /** Silence that fails probation (HEALER_PROBATION_SILENCE_MS, default 60000). */
  probationSilenceMs: number;
  /** Terminate at once on exhaustion (HEALER_AUTO_TERMINATE=true; default: wait for an admin). */
  autoTerminate: boolean;
  /** How often fleet-wide patterns are re-read from PostgreSQL (HEALER_PATTERNS_REFRESH_MS, default 10000). */
  patternsRefreshMs: number;
}

export function loadHealerSettings(env: NodeJS.ProcessEnv = process.env): HealerSettings {
  return {
    agentTimeoutMs: Math.max(1, intFromEnv(env, 'HEALER_COMMAND_TIMEOUT_MS', DEFAULT_AGENT_COMMAND_TIMEOUT_MS)),
    leaseMs: Math.max(1000, intFromEnv(env, 'HEALER_LEASE_MS', 15_000)),
    sweepMs: Math.max(100, intFromEnv(env, 'HEALER_SWEEP_MS', 5000)),
    probationVitals: Math.max(1, intFromEnv(env, 'HEALER_PROBATION_VITALS', 5)),
    probationSilenceMs: Math.max(100, intFromEnv(env, 'HEALER_PROBATION_SILENCE_MS', 60_000)),
    autoTerminate: env['HEALER_AUTO_TERMINATE'] === 'true' || env['HEALER_AUTO_TERMINATE'] === '1',
    patternsRefreshMs: Math.max(100, intFromEnv(env, 'HEALER_PATTERNS_REFRESH_MS', 10_000)),
  };
}
