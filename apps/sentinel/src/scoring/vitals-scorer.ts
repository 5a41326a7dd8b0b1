import { checkVitalBytes, type Names, type Vital } from '@immune/contracts';
import {
  ANOMALY_TYPES,
  createAgentBaseline,
  isWarm,
  observe,
  type AgentBaseline,
  type Anomaly,
  type AnomalyType,
  type Infection,
} from '@immune/domain-detection';
import { partitionOfTail } from '@immune/platform-partitions';
import type { DetectionSettingsCache } from '../config/detection-settings';
import { AgentState } from './agent-state';

/** What the scorer needs of a stream message (a JetStream `JsMsg` fits). */
export interface VitalMessage {
  readonly subject: string;
  readonly seq: number;
  readonly data: Uint8Array;
  readonly info: { readonly timestampNanos: number };
}

export interface ScorerHooks {
  /** An anomaly of an active agent (each type at most once a second per agent), for fleet correlation. */
  anomaly(agent: AgentState, type: AnomalyType, ts: number): void;
  /** A confirmed infection of an agent that was neither quarantined nor held; the agent is held from now on. */
  infection(agent: AgentState, infection: Infection, vital: Vital): void;
}

const TYPE_BIT = new Map<AnomalyType, number>(ANOMALY_TYPES.map((t, i) => [t, 1 << i]));
const ANOMALY_REPEAT_MS = 1000;

/**
 * The hot path: one call per vital of the stream, synchronous, no I/O. Ownership is decided from the subject
 * (its last token is the agentId) before anything is parsed, so the vitals of other instances' partitions
 * cost one hash; owned ones are parsed, validated and judged with `observe`, learning only while the agent is
 * neither quarantined (status KV) nor held (an infection of it is pending or sent).
 *
 * Exactly-once across hand-overs: a vital is skipped when its sequence is at or below the agent's `lastSeq`
 * (restored with the baseline), or — for an agent not in memory — at or below its partition's `floor` (the
 * partition's persisted progress, or the stream's end when it was first acquired).
 */
export class VitalsScorer {
  readonly agents = new Map<string, AgentState>();
  /** 1 while this instance scores the partition. */
  readonly owned: Uint8Array;
  readonly floor: Float64Array;
  /** Sequence of the last message handled. */
  position = 0;
  scored = 0;
  skippedNotOwned = 0;
  skippedReplayed = 0;
  invalid = 0;
  private readonly prefixLen: number;

  constructor(
    names: Names,
    readonly partitions: number,
    private readonly settings: DetectionSettingsCache,
    private readonly quarantined: ReadonlySet<string>,
    private readonly hooks: ScorerHooks,
    private readonly now: () => number = Date.now,
  ) {
    this.owned = new Uint8Array(partitions);
    this.floor = new Float64Array(partitions);
    this.prefixLen = names.vitals('').length;
  }

  handle(m: VitalMessage): void {
    const seq = m.seq;
    this.position = seq;
    const subject = m.subject;
    const p = partitionOfTail(subject, this.prefixLen, this.partitions);
    if (this.owned[p] !== 1) {
      this.skippedNotOwned++;
      return;
    }
    const agentId = subject.substring(this.prefixLen);
    let a = this.agents.get(agentId);
    if (seq <= (a === undefined ? this.floor[p] ?? 0 : a.lastSeq)) {
      this.skippedReplayed++;
      return;
    }
    const check = checkVitalBytes(m.data, agentId, m.info.timestampNanos / 1e6);
    if (!check.ok) {
      // Telemetry rejects and reports it; here it only must not be scored.
      this.invalid++;
      return;
    }
    if (a === undefined) a = this.adopt(agentId, p, createAgentBaseline(), 0);
    this.score(a, check.vital, seq);
  }

  /** Puts an agent in memory (new, or restored from its snapshot). */
  adopt(agentId: string, partition: number, baseline: AgentBaseline, lastSeq: number): AgentState {
    const a = new AgentState(agentId, partition, baseline);
    a.lastSeq = lastSeq;
    a.quarantined = this.quarantined.has(agentId);
    this.agents.set(agentId, a);
    return a;
  }

  /** Starts scoring a partition; vitals at or below `floor` are not scored for agents not yet in memory. */
  own(partition: number, floor: number): void {
    this.floor[partition] = floor;
    this.owned[partition] = 1;
  }

  /** Stops scoring partitions at once (their agents stay in memory until `forget`). */
  disown(partitions: Iterable<number>): void {
    for (const p of partitions) this.owned[p] = 0;
  }

  /** Removes the agents of partitions no longer owned. */
  forget(partitions: Iterable<number>): void {
    const gone = new Set(partitions);
    for (const [id, a] of this.agents) if (gone.has(a.partition) && this.owned[a.partition] !== 1) this.agents.delete(id);
  }

  ownedPartitions(): number[] {
    const out: number[] = [];
    for (let p = 0; p < this.partitions; p++) if (this.owned[p] === 1) out.push(p);
    return out;
  }

  /** Active agents (not quarantined) with a warm baseline, for fleet correlation. */
  agentsWithBaseline(): number {
    let n = 0;
    for (const a of this.agents.values()) if (!a.quarantined && isWarm(a.baseline)) n++;
    return n;
  }

  private score(a: AgentState, v: Vital, seq: number): void {
    a.lastSeq = seq;
    a.dirty = true;
    if (a.configGeneration !== this.settings.generation || a.agentType !== v.agentType) {
      a.agentType = v.agentType;
      a.config = this.settings.resolve(v.agentType);
      a.configGeneration = this.settings.generation;
    }
    a.remember(v);
    const learn = !a.quarantined && !a.held;
    const o = observe(a.baseline, v, a.config === null ? { learn } : { learn, config: a.config });
    this.scored++;
    if (o.anomalies.length === 0 || a.quarantined) return;
    this.publishAnomalies(a, o.anomalies, v.ts);
    if (o.infection === null || a.held) return;
    const now = this.now();
    if (now < a.quietUntil) return;
    a.held = true;
    a.heldSince = now;
    a.quarantineSeen = false;
    this.hooks.infection(a, o.infection, v);
  }

  private publishAnomalies(a: AgentState, anomalies: readonly Anomaly[], ts: number): void {
    const now = this.now();
    if (now - a.anomaliesSentAt >= ANOMALY_REPEAT_MS) {
      a.anomaliesSent = 0;
      a.anomaliesSentAt = now;
    }
    for (const an of anomalies) {
      const bit = TYPE_BIT.get(an.type) ?? 0;
      if ((a.anomaliesSent & bit) !== 0) continue;
      a.anomaliesSent |= bit;
      this.hooks.anomaly(a, an.type, ts);
    }
  }
}
