import type { Subscription } from '@nats-io/transport-node';
import type { DataSource } from 'typeorm';
import { Counter, Gauge, type Registry } from 'prom-client';
import { names as namesOf, type RecentVitalsReply } from '@immune/contracts';
import { connectNats, provisionAll, startHeartbeat, type LoopLogger, type NatsContext } from '@immune/platform-jetstream';
import { openDataSource } from '@immune/platform-postgres';
import { intFromEnv, newId, type RuntimeConfig } from '@immune/platform-runtime';
import { migrate, pruneVitalsRollups, type RollupSql } from '@immune/read-models';
import { RecentVitals } from './history/recent-vitals';
import { RollupWriter } from './history/rollup-writer';
import { VitalsConsumer } from './vitals/vitals-consumer';
import { VitalsIngestor } from './vitals/vitals.ingestor';

export interface TelemetryOptions {
  /** Rollups are written this often (default env TELEMETRY_ROLLUP_FLUSH_MS or 2000). */
  rollupFlushMs?: number;
  /** Rollups older than this many days are deleted, hourly (default env TELEMETRY_ROLLUP_RETENTION_DAYS or 30; 0 = keep). */
  rollupRetentionDays?: number;
}

const HOUR_MS = 3_600_000;

/**
 * Registration retried with backoff (0.25, 1, 4, 16 s; the agents already registered are skipped) before the
 * batch is acked anyway: an agent still not registered then is registered at its next vital.
 */
async function registerWithRetry(run: () => Promise<string[]>): Promise<string[]> {
  const registered: string[] = [];
  for (let attempt = 0; ; attempt++) {
    try {
      registered.push(...(await run()));
      return registered;
    } catch (e) {
      if (attempt >= 4) throw e;
      await new Promise((r) => setTimeout(r, 250 * 4 ** attempt));
    }
  }
}

/**
 * The telemetry service's composition root, free of Nest: one durable consumer of the vitals stream, acked
 * in batches, at most every 20 ms (`VitalsConsumer`). Each vital is parsed and validated once; the valid ones are summed into per-agent per-minute rollups (one
 * batched upsert every few seconds) and kept in a small in-memory window per agent, served on request.
 */
export class TelemetryService {
  private constructor(
    private readonly ctx: NatsContext,
    private readonly ds: DataSource,
    private readonly consumer: VitalsConsumer,
    private readonly rollups: RollupWriter,
    private readonly recentSub: Subscription,
    private readonly timers: NodeJS.Timeout[],
    private readonly stopHeartbeat: () => void,
  ) {}

  static async start(config: RuntimeConfig, log: LoopLogger, registry: Registry, opts: TelemetryOptions = {}): Promise<TelemetryService> {
    const names = namesOf(config.namespace);
    const ctx = await connectNats(config.natsServers, 'immune-telemetry', { noAsyncTraces: true });
    const { status } = await provisionAll(ctx.nc, names);
    await migrate(config);
    const ds = await openDataSource({ databaseUrl: config.databaseUrl, schema: names.pgSchema, poolSize: 2, applicationName: 'immune-telemetry' });
    const sql: RollupSql = { query: (text, params) => ds.query(text, params) };
    const rollups = new RollupWriter(sql, names.pgSchema, log, opts.rollupFlushMs ?? intFromEnv(process.env, 'TELEMETRY_ROLLUP_FLUSH_MS', 2000));
    rollups.start();
    const recent = new RecentVitals();
    const ingestor = new VitalsIngestor(ctx.nc, names, config.commandTimeoutMs);
    // Agents with a status are registered: no command for them on their next vital.
    const known: string[] = [];
    for await (const key of await status.keys()) known.push(key);
    ingestor.remember(known);

    // Only an instance that holds vitals of the agent answers; the gateway takes the first answer.
    const prefix = `${names.ns}.telemetry.recent.`;
    const recentSub = ctx.nc.subscribe(`${prefix}*`, {
      callback: (err, msg) => {
        if (err) return;
        const agentId = msg.subject.slice(prefix.length);
        const vitals = recent.of(agentId);
        if (vitals.length === 0) return;
        const reply: RecentVitalsReply = { agentId, vitals: vitals.map((v) => ({ ...v, ts: new Date(v.ts).toISOString() })) };
        msg.respond(JSON.stringify(reply));
      },
    });

    const vitals = new Counter({ name: 'immune_vitals_total', help: 'Vitals read, by outcome', labelNames: ['outcome'], registers: [registry] });
    const registered = new Counter({ name: 'immune_agents_registered_total', help: 'Agents registered on their first vital', registers: [registry] });
    new Gauge({
      name: 'immune_vitals_rollup_rows_written_total', help: 'Agent-minute rollup rows upserted', registers: [registry],
      collect() { this.set(rollups.flushed); },
    });
    const consumer = new VitalsConsumer({
      nc: ctx.nc,
      stream: names.vitalsStream,
      previousDurable: 'telemetry',
      log,
      onBatch: (batch) => {
        const result = ingestor.check(batch);
        for (const v of result.accepted) {
          rollups.add(v);
          recent.add(v);
        }
        vitals.inc({ outcome: 'accepted' }, result.accepted.length);
        if (result.rejected > 0) {
          vitals.inc({ outcome: 'rejected' }, result.rejected);
          log.warn({ rejected: result.rejected }, 'vitals rejected');
        }
        if (result.firstSeen.length === 0) return;
        return registerWithRetry(() => ingestor.registerAll(result.firstSeen)).then((ids) => void registered.inc(ids.length));
      },
    });
    await consumer.start();
    const timers: NodeJS.Timeout[] = [];
    const retentionDays = opts.rollupRetentionDays ?? intFromEnv(process.env, 'TELEMETRY_ROLLUP_RETENTION_DAYS', 30);
    if (retentionDays > 0) {
      const prune = () => void pruneVitalsRollups(sql, names.pgSchema, Date.now() - retentionDays * 24 * HOUR_MS).catch(() => undefined);
      const t = setInterval(prune, HOUR_MS);
      t.unref();
      timers.push(t);
    }
    const stopHeartbeat = startHeartbeat(ctx.nc, names, 'telemetry', newId());
    log.info({ stream: names.vitalsStream }, 'telemetry service ready');
    return new TelemetryService(ctx, ds, consumer, rollups, recentSub, timers, stopHeartbeat);
  }

  async stop(): Promise<void> {
    this.stopHeartbeat();
    for (const t of this.timers) clearInterval(t);
    this.recentSub.unsubscribe();
    await this.consumer.stop();
    await this.rollups.stop();
    await this.ds.destroy().catch(() => undefined);
    await this.ctx.nc.drain().catch(() => undefined);
  }
}
