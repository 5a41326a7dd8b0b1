import { Counter, type Registry } from 'prom-client';
import { names as namesOf } from '@immune/contracts';
import {
  ConsumerLoop,
  connectNats,
  decodeRaw,
  provisionAll,
  startHeartbeat,
  type LoopLogger,
  type NatsContext,
  type RawMessage,
} from '@immune/platform-jetstream';
import { newId, type RuntimeConfig } from '@immune/platform-runtime';
import { VitalsIngestor } from './vitals/vitals.ingestor';

/** The telemetry service's composition root, free of Nest: one batched durable consumer of the vitals stream. */
export class TelemetryService {
  private constructor(
    private readonly ctx: NatsContext,
    private readonly loop: ConsumerLoop<RawMessage>,
    private readonly stopHeartbeat: () => void,
  ) {}

  static async start(config: RuntimeConfig, log: LoopLogger, registry: Registry): Promise<TelemetryService> {
    const names = namesOf(config.namespace);
    const ctx = await connectNats(config.natsServers, 'immune-telemetry');
    const { status } = await provisionAll(ctx.nc, names);
    const ingestor = new VitalsIngestor(ctx.nc, names, config.commandTimeoutMs);
    // Agents with a status are registered: no command for them on their next vital.
    const known: string[] = [];
    for await (const key of await status.keys()) known.push(key);
    ingestor.remember(known);

    const vitals = new Counter({ name: 'immune_vitals_total', help: 'Vitals read, by outcome', labelNames: ['outcome'], registers: [registry] });
    const registered = new Counter({ name: 'immune_agents_registered_total', help: 'Agents registered on their first vital', registers: [registry] });
    const loop = new ConsumerLoop<RawMessage>({
      nc: ctx.nc,
      names,
      stream: names.vitalsStream,
      durable: 'telemetry',
      deliverFrom: 'all',
      decode: decodeRaw,
      batchSize: 1000,
      logger: log,
      registry,
      onBatch: async (batch) => {
        const result = await ingestor.ingest(batch.map((m) => ({ subject: m.subject, data: m.value.data, storedAtMs: m.storedAtMs })));
        vitals.inc({ outcome: 'accepted' }, result.accepted.length);
        vitals.inc({ outcome: 'rejected' }, result.rejected);
        registered.inc(result.registered.length);
        if (result.rejected > 0) log.warn({ rejected: result.rejected }, 'vitals rejected');
      },
    });
    await loop.start();
    const stopHeartbeat = startHeartbeat(ctx.nc, names, 'telemetry', newId());
    log.info({ stream: names.vitalsStream }, 'telemetry service ready');
    return new TelemetryService(ctx, loop, stopHeartbeat);
  }

  async stop(): Promise<void> {
    this.stopHeartbeat();
    await this.loop.stop();
    await this.ctx.nc.drain().catch(() => undefined);
  }
}
