import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The projector's Prometheus metrics, on the service's own registry. */
export class ProjectorMetrics {
  readonly eventsApplied: Counter;
  readonly batchDuration: Histogram;
  readonly checkpoint: Gauge;
  readonly lag: Gauge;
  readonly poison: Counter;
  readonly batchFailures: Counter;
  readonly evolveErrors: Counter<'projection'>;
  readonly paused: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.eventsApplied = new Counter({ name: 'immune_projector_events_applied_total', help: 'Events applied to the read models', registers });
    this.batchDuration = new Histogram({
      name: 'immune_projector_batch_duration_seconds',
      help: 'Time to apply one batch (one transaction)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.checkpoint = new Gauge({ name: 'immune_projector_checkpoint', help: 'Lowest projection checkpoint (stream sequence)', registers });
    this.lag = new Gauge({ name: 'immune_projector_lag_events', help: "Events in the log not applied yet (stream's last sequence − checkpoint)", registers });
    this.poison = new Counter({ name: 'immune_projector_poison_events_total', help: 'Messages of the log the projector could not use and skipped', registers });
    this.batchFailures = new Counter({ name: 'immune_projector_batch_failures_total', help: 'Batches that failed and were retried', registers });
    this.evolveErrors = new Counter({ name: 'immune_projector_evolve_errors_total', help: 'Events a projection failed to evolve (skipped for it)', labelNames: ['projection'], registers });
    this.paused = new Gauge({ name: 'immune_projector_paused', help: '1 while paused (e.g. for a rebuild)', registers });
  }
}
