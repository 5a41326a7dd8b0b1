import type { Vital } from '@immune/contracts';
import type { AgentBaseline, DetectionConfig } from '@immune/domain-detection';

/** Vitals kept per agent for the forensic snapshot of a quarantine. */
export const RECENT_VITALS = 10;

/** Numeric fields of a remembered vital, in ring order. */
const FIELDS = ['ts', 'latencyMs', 'tokens', 'inputTokens', 'outputTokens', 'costUsd', 'toolCalls', 'retries', 'success'] as const;
const NF = FIELDS.length;

/** One remembered vital, as the forensic snapshot shows it. */
export interface RecentVital {
  ts: number;
  latencyMs: number;
  tokens: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  toolCalls: number;
  retries: number;
  success: boolean;
  errorType: string | null;
  promptHash: string | null;
}

/**
 * Everything the sentinel keeps about one agent it owns: the baseline, where scoring got to (`lastSeq`, the
 * stream sequence of the last vital scored), local quarantine knowledge, and the last vitals. The recent vitals
 * live in one Float64Array (plus the two strings), not as parsed objects, so an agent costs ~2 KB.
 */
export class AgentState {
  lastSeq = 0;
  /** Changed since its snapshot was last captured. */
  dirty = false;
  /** The status KV says restricted, suspended or terminated. */
  quarantined = false;
  /** An infection was detected for it and is pending or sent: no second one, no learning. */
  held = false;
  heldSince = 0;
  /** The status KV showed a quarantine after the infection was sent (so a later `active` ends the hold). */
  quarantineSeen = false;
  /** No new infection before this time (after a fleet-wide record). */
  quietUntil = 0;
  /** Anomaly types already published to the fleet since `anomaliesSentAt` (bit per type). */
  anomaliesSent = 0;
  anomaliesSentAt = 0;
  agentType: string | null = null;
  config: Readonly<DetectionConfig> | null = null;
  configGeneration = -1;
  private readonly ring = new Float64Array(RECENT_VITALS * NF);
  private readonly ringText: Array<string | null> = new Array<string | null>(RECENT_VITALS * 2).fill(null);
  private next = 0;
  private count = 0;

  constructor(
    readonly agentId: string,
    readonly partition: number,
    readonly baseline: AgentBaseline,
  ) {}

  remember(v: Vital): void {
    const i = this.next;
    const r = this.ring;
    const o = i * NF;
    r[o] = v.ts;
    r[o + 1] = v.latencyMs;
    r[o + 2] = v.tokens;
    r[o + 3] = v.inputTokens;
    r[o + 4] = v.outputTokens;
    r[o + 5] = v.costUsd;
    r[o + 6] = v.toolCalls;
    r[o + 7] = v.retries;
    r[o + 8] = v.success ? 1 : 0;
    // Keep the previous string when equal, so repeated hashes share one copy.
    const prev = (i + RECENT_VITALS - 1) % RECENT_VITALS;
    this.ringText[i * 2] = v.errorType !== null && v.errorType === this.ringText[prev * 2] ? this.ringText[prev * 2] ?? null : v.errorType;
    this.ringText[i * 2 + 1] = v.promptHash !== null && v.promptHash === this.ringText[prev * 2 + 1] ? this.ringText[prev * 2 + 1] ?? null : v.promptHash;
    this.next = i + 1 === RECENT_VITALS ? 0 : i + 1;
    if (this.count < RECENT_VITALS) this.count++;
  }

  /** The remembered vitals, oldest first. */
  recentVitals(): RecentVital[] {
    const out: RecentVital[] = [];
    const start = (this.next - this.count + RECENT_VITALS) % RECENT_VITALS;
    for (let k = 0; k < this.count; k++) {
      const i = (start + k) % RECENT_VITALS;
      const o = i * NF;
      const at = (j: number) => this.ring[o + j] ?? 0;
      out.push({
        ts: at(0), latencyMs: at(1), tokens: at(2), inputTokens: at(3), outputTokens: at(4), costUsd: at(5), toolCalls: at(6), retries: at(7),
        success: at(8) === 1, errorType: this.ringText[i * 2] ?? null, promptHash: this.ringText[i * 2 + 1] ?? null,
      });
    }
    return out;
  }
}

/**
 * Heap bytes of one agent's state, estimated from its layout (V8, 64-bit, pointer compression off): the
 * baseline's and the ring's Float64Arrays with their buffers, the two objects, the strings array, the Map
 * entry and the id. The unit spec checks it against a measurement.
 */
export function estimateAgentBytes(baselineSlots: number, agentIdLength: number): number {
  const typedArray = (n: number) => 64 + 80 + n * 8; // view + ArrayBuffer + backing store
  const baseline = typedArray(baselineSlots) + 48; // + AgentBaseline object
  const ring = typedArray(RECENT_VITALS * NF) + 32 + RECENT_VITALS * 2 * 8; // + strings array
  const state = 24 + 18 * 8; // AgentState object, 18 fields
  const entry = 3 * 8 * 2; // Map entry (key, value, chain) with load-factor slack
  const id = 24 + agentIdLength;
  return baseline + ring + state + entry + id;
}
