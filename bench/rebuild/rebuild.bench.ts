/**
 * `npm run bench -- rebuild [--events=N]`: writes a realistic event log of N events (default 200,000) into a fresh
 * namespace and database, then times `projections rebuild` (read the stream, evolve, COPY, indexes, swap) and
 * the CPU it took, here and machine-wide. `BENCH_KEEP=1` leaves the namespace and database behind for profiling.
 */
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { jetstreamManager } from '@nats-io/jetstream';
import { createInbox, type NatsConnection } from '@nats-io/nats-core';
import { connect, headers } from '@nats-io/transport-node';
import { Client } from 'pg';
import { names as namesOf } from '@immune/contracts';
import { provisionEventStream } from '@immune/platform-jetstream';
import { rebuildProjections, type RebuildTimings } from '@immune/platform-projections';
import { loadConfig, type RuntimeConfig } from '@immune/platform-runtime';
import { generateAgentEventLog, migrate, type GeneratedEvent } from '@immune/read-models';

export interface RebuildBenchResult {
  events: number;
  /** The rebuild itself: read + evolve + COPY + indexes + swap. */
  seconds: number;
  eventsPerSecond: number;
  /** rebuildProjections end to end (also migrate check, connections, projector pause/resume). */
  wallSeconds: number;
  timings: RebuildTimings;
  rows: Record<string, number>;
  /** Archive rows the reader thread wrote from the message bytes (of `events`). */
  readerArchiveRows: number;
  /** The tables COPYed in binary format (the rest in text). */
  binaryTables: string[];
  setup: { generateSeconds: number; publishSeconds: number; publishedPerSecond: number; bytes: number };
  /** CPU seconds during the rebuild: this process (every thread) and the whole machine (PostgreSQL, NATS, …). */
  cpu: { processSeconds: number; machineSeconds: number };
}

/** Busy CPU time of the whole machine so far, in seconds (every core). */
function machineBusySeconds(): number {
  return cpus().reduce((sum, c) => sum + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0) / 1000;
}

const NATS_URL = process.env['NATS_URL'] || 'nats://127.0.0.1:4222';
const PG_ADMIN_URL = process.env['TEST_PG_ADMIN_URL'] || 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh namespace and database (the bench's own, so it needs nothing from the test helpers). */
async function createBenchEnv(): Promise<{ config: RuntimeConfig; cleanup(): Promise<void> }> {
  const namespace = `bench${randomBytes(4).toString('hex')}`;
  const database = `immune_${namespace}`;
  const admin = new Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`).finally(() => admin.end());
  const databaseUrl = PG_ADMIN_URL.replace(/\/[^/]*$/, `/${database}`);
  const config = loadConfig({ ...process.env, IMMUNE_NAMESPACE: namespace, DATABASE_URL: databaseUrl, NATS_URL, LOG_FORMAT: 'json' });
  return {
    config,
    cleanup: async () => {
      const nc = await connect({ servers: NATS_URL });
      try {
        await (await jetstreamManager(nc)).streams.delete(namesOf(namespace).eventsStream).catch(() => undefined);
      } finally {
        await nc.close();
      }
      const c = new Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).finally(() => c.end());
    },
  };
}

/**
 * Appends the log in order on one connection with many messages in flight: plain publishes with a reply
 * subject under one wildcard inbox, so each JetStream ack is a message, not a pending request object.
 */
async function publishLog(nc: NatsConnection, log: readonly GeneratedEvent[], inFlight = 10_000): Promise<number> {
  const inbox = createInbox();
  let acked = 0;
  let failed: string | null = null;
  let wake: (() => void) | null = null;
  let bytes = 0;
  const sub = nc.subscribe(`${inbox}.*`, {
    callback: (_err, m) => {
      const ack = m.json<{ error?: { description?: string }; seq?: number }>();
      if (ack.error) failed ??= ack.error.description ?? 'publish refused';
      acked++;
      const w = wake;
      wake = null;
      w?.();
    },
  });
  try {
    for (let i = 0; i < log.length; i++) {
      while (i - acked >= inFlight) await new Promise<void>((r) => (wake = r));
      if (failed) throw new Error(`publish failed: ${failed}`);
      const g = log[i]!;
      const h = headers();
      h.set('Nats-Msg-Id', g.envelope.id);
      const body = JSON.stringify(g.envelope);
      bytes += body.length;
      nc.publish(g.subject, body, { reply: `${inbox}.${i}`, headers: h });
    }
    while (acked < log.length) await new Promise<void>((r) => (wake = r));
    if (failed) throw new Error(`publish failed: ${failed}`);
    return bytes;
  } finally {
    sub.unsubscribe();
  }
}

export async function benchRebuild(opts: { events?: number; print?: (line: string) => void } = {}): Promise<RebuildBenchResult> {
  const events = opts.events ?? 200_000;
  const print = opts.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const env = await createBenchEnv();
  try {
    const { config } = env;
    const names = namesOf(config.namespace);
    let t = performance.now();
    const log = generateAgentEventLog({ namespace: config.namespace, events, seed: 2026 });
    const generateSeconds = (performance.now() - t) / 1000;

    const nc = await connect({ servers: NATS_URL });
    let bytes: number;
    let publishSeconds: number;
    try {
      await provisionEventStream(await jetstreamManager(nc), names);
      t = performance.now();
      bytes = await publishLog(nc, log);
      publishSeconds = (performance.now() - t) / 1000;
    } finally {
      await nc.close();
    }
    // The rebuild runs as the CLI does, without the generated log kept in this process's heap.
    log.length = 0;
    await migrate(config);
    print(`rebuild: ${events} events written (${(bytes / events).toFixed(0)} bytes each) in ${publishSeconds.toFixed(1)} s; rebuilding…`);

    t = performance.now();
    const cpu0 = process.cpuUsage();
    const machine0 = machineBusySeconds();
    const stats = await rebuildProjections({ config });
    const wallSeconds = (performance.now() - t) / 1000;
    const cpuUsed = process.cpuUsage(cpu0);
    const cpu = { processSeconds: (cpuUsed.user + cpuUsed.system) / 1e6, machineSeconds: machineBusySeconds() - machine0 };
    const tm = stats.timings;
    const f = (s: number) => `${s.toFixed(2)} s`;
    print(
      `rebuild: ${Math.round(stats.eventsPerSecond)} events/s (${stats.events} events in ${f(stats.seconds)}; ${f(wallSeconds)} end to end) — ` +
        `read ${f(tm.readSeconds)}, decode+evolve+encode ${f(tm.processSeconds)}, COPY wait ${f(tm.copyWaitSeconds)}, ` +
        `COPY after read ${f(tm.copyAfterReadSeconds)}, indexes ${f(tm.indexSeconds)}, swap ${f(tm.swapSeconds)}; ` +
        `archive rows from the reader thread ${stats.readerArchiveRows}; binary COPY ${stats.binaryTables.length} of ${stats.projections.length} tables; ` +
        `CPU ${f(cpu.processSeconds)} here, ${f(cpu.machineSeconds)} machine-wide`,
    );
    return {
      events: stats.events,
      seconds: stats.seconds,
      eventsPerSecond: Math.round(stats.eventsPerSecond),
      wallSeconds,
      timings: tm,
      rows: stats.rows,
      readerArchiveRows: stats.readerArchiveRows,
      binaryTables: stats.binaryTables,
      setup: { generateSeconds, publishSeconds, publishedPerSecond: Math.round(events / publishSeconds), bytes },
      cpu,
    };
  } finally {
    // BENCH_KEEP=1 keeps the stream and the database, to profile `projections rebuild` against them again.
    if (process.env['BENCH_KEEP']) print(`rebuild: kept IMMUNE_NAMESPACE=${env.config.namespace} DATABASE_URL=${env.config.databaseUrl}`);
    else await env.cleanup();
  }
}

/** For bench/run.ts: `--events=N`. */
export async function benchRebuildCli(flags: string[]): Promise<Record<string, unknown>> {
  const n = flags.find((f) => f.startsWith('--events='))?.split('=')[1];
  return { ...(await benchRebuild(n ? { events: Number(n) } : {})) };
}
