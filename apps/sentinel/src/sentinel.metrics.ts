import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface SentinelGauges {
  partitionsOwned(): number;
  agentsInMemory(): number;
  bytesPerAgent(): number;
  /** Sequence of the last vital handled (scored or skipped). */
  position(): number;
  /** Infections sent at once as isolated (no fleet-correlation delay). */
  isolated(): number;
}

/** The sentinel's metrics. Counters are fed in bulk after each scoring batch, never per vital. */
export class SentinelMetrics {
  readonly scored: Counter;
  readonly skipped: Counter<'reason'>;
  readonly infections: Counter<'severity' | 'enforced'>;
  readonly infectionFailures: Counter;
  readonly batchSeconds: Histogram;
  private last = { scored: 0, notOwned: 0, replayed: 0, invalid: 0 };

  constructor(registry: Registry, gauges: SentinelGauges) {
    const registers = [registry];
    this.scored = new Counter({ name: 'immune_sentinel_vitals_scored_total', help: 'Vitals judged against a baseline by this instance', registers });
    this.skipped = new Counter({
      name: 'immune_sentinel_vitals_skipped_total',
      help: 'Vitals not scored: not_owned (another instance\'s partition), replayed (already scored before a hand-over), invalid',
      labelNames: ['reason'],
      registers,
    });
    this.infections = new Counter({
      name: 'immune_sentinel_infections_sent_total',
      help: 'ReportInfection commands sent, by severity and whether they quarantine (enforced) or only record (fleet-wide)',
      labelNames: ['severity', 'enforced'],
      registers,
    });
    this.infectionFailures = new Counter({ name: 'immune_sentinel_infection_failures_total', help: 'ReportInfection commands that failed after every retry', registers });
    this.batchSeconds = new Histogram({
      name: 'immune_sentinel_scoring_batch_seconds',
      help: 'Time to score one batch of vitals (the messages handled in one event-loop turn)',
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
      registers,
    });
    new Gauge({ name: 'immune_sentinel_partitions_owned', help: 'Partitions this instance scores', registers, collect() { this.set(gauges.partitionsOwned()); } });
    new Gauge({ name: 'immune_sentinel_agents', help: 'Agents whose baselines this instance holds in memory', registers, collect() { this.set(gauges.agentsInMemory()); } });
    new Gauge({ name: 'immune_sentinel_infections_isolated', help: 'Infections sent at once as isolated (no other agent showed the same anomaly type)', registers, collect() { this.set(gauges.isolated()); } });
    new Gauge({ name: 'immune_sentinel_stream_position', help: 'Vitals stream sequence of the last vital handled', registers, collect() { this.set(gauges.position()); } });
    new Gauge({ name: 'immune_sentinel_agent_bytes', help: 'Estimated heap bytes per agent in memory (baseline, recent vitals, bookkeeping)', registers, collect() { this.set(gauges.bytesPerAgent()); } });
  }

  /** Adds what the scorer counted since the last call. */
  flush(counts: { scored: number; skippedNotOwned: number; skippedReplayed: number; invalid: number }): void {
    const l = this.last;
    if (counts.scored > l.scored) this.scored.inc(counts.scored - l.scored);
    if (counts.skippedNotOwned > l.notOwned) this.skipped.inc({ reason: 'not_owned' }, counts.skippedNotOwned - l.notOwned);
    if (counts.skippedReplayed > l.replayed) this.skipped.inc({ reason: 'replayed' }, counts.skippedReplayed - l.replayed);
    if (counts.invalid > l.invalid) this.skipped.inc({ reason: 'invalid' }, counts.invalid - l.invalid);
    this.last = { scored: counts.scored, notOwned: counts.skippedNotOwned, replayed: counts.skippedReplayed, invalid: counts.invalid };
  }
}
