import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { names as namesOf, type StoredEvent } from '@immune/contracts';
import { provisionEventStream, type LoopLogger } from '@immune/platform-jetstream';
import { openDataSource } from '@immune/platform-postgres';
import { controlProjectors, dumpProjectionTables, ProjectionRunner, rebuildProjections, type ProjectionTablesDump } from '@immune/platform-projections';
import { loadConfig, type RuntimeConfig } from '@immune/platform-runtime';
import { generateAgentEventLog, migrate, type GeneratedEvent } from '@immune/read-models';
import { createTestEnv, eventually, testNats, type TestEnv } from '@immune/testing';
import { ProjectorService } from './projector.service';


const quiet: LoopLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

interface Ns {
  env: TestEnv;
  config: RuntimeConfig;
  nc: NatsConnection;
  ds: DataSource;
  /** What the stream holds, decoded, for the reference tables. */
  stored: StoredEvent[];
  publish(items: (GeneratedEvent | { subject: string; raw: string })[]): Promise<void>;
}

describe('ProjectorService (real NATS and PostgreSQL)', () => {
  const envs: TestEnv[] = [];
  const conns: NatsConnection[] = [];
  const sources: DataSource[] = [];
  const services: ProjectorService[] = [];

  async function namespace(prefix: string): Promise<Ns> {
    const env = await createTestEnv(prefix);
    envs.push(env);
    const config = loadConfig(env.env);
    const nc = await testNats();
    conns.push(nc);
    await provisionEventStream(await jetstreamManager(nc), namesOf(config.namespace));
    await migrate(config);
    const ds = await openDataSource({ databaseUrl: config.databaseUrl, schema: config.namespace, poolSize: 4 });
    sources.push(ds);
    const js = jetstream(nc);
    const stored: StoredEvent[] = [];
    // In order on one connection, many in flight: the stream stores them in publish order.
    const publish = async (items: (GeneratedEvent | { subject: string; raw: string })[]) => {
      for (let i = 0; i < items.length; i += 1000) {
        const window = items.slice(i, i + 1000);
        const acks = await Promise.all(
          window.map((it) =>
            'raw' in it ? js.publish(it.subject, it.raw) : js.publish(it.subject, JSON.stringify(it.envelope), { msgID: it.envelope.id }),
          ),
        );
        window.forEach((it, k) => {
          if (!('raw' in it)) stored.push({ seq: acks[k]!.seq, subject: it.subject, envelope: it.envelope });
        });
      }
    };
    return { env, config, nc, ds, stored, publish };
  }

  /** The same log applied by the runner alone, in one go, in a schema of its own. */
  async function reference(ns: Ns, lastSeq: number): Promise<ProjectionTablesDump> {
    const schema = `${ns.config.namespace}_ref`;
    await migrate({ databaseUrl: ns.config.databaseUrl, namespace: schema });
    await new ProjectionRunner({ dataSource: ns.ds, schema }).apply(ns.stored, { firstSeq: 1, lastSeq });
    return dumpProjectionTables(ns.ds, schema);
  }

  async function start(ns: Ns, opts: Parameters<typeof ProjectorService.start>[3] = {}, registry?: Registry): Promise<ProjectorService> {
    const s = await ProjectorService.start(ns.config, quiet, registry, { heartbeatMs: 500, ...opts });
    services.push(s);
    return s;
  }

  afterAll(async () => {
    for (const s of services) await s.stop().catch(() => undefined);
    for (const ds of sources) await ds.destroy().catch(() => undefined);
    for (const nc of conns) await nc.close().catch(() => undefined);
    for (const env of envs) await env.cleanup();
  });

  it('projects the log, announces progress, answers control requests, heartbeats and exports metrics', async () => {
    const ns = await namespace('pj');
    const names = namesOf(ns.config.namespace);
    const log = generateAgentEventLog({ namespace: ns.config.namespace, events: 2000, seed: 1 });
    await ns.publish(log);
    const progress: number[] = [];
    ns.nc.subscribe(names.projectionProgress, { callback: (_e, m) => void progress.push(m.json<{ seq: number }>().seq) });
    const beats: string[] = [];
    ns.nc.subscribe(names.heartbeats, { callback: (_e, m) => void beats.push(m.json<{ service: string }>().service) });

    const registry = new Registry();
    const p = await start(ns, {}, registry);
    await eventually(async () => p.checkpoint === 2000, 20_000);
    await eventually(async () => progress.includes(2000));
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(await dumpProjectionTables(ns.ds, ns.config.namespace)).toEqual(await reference(ns, 2000));

    const status = await controlProjectors(ns.nc, names, { op: 'status' });
    expect(status).toEqual([{ instance: p.instance, paused: false, checkpoint: 2000 }]);
    const paused = await controlProjectors(ns.nc, names, { op: 'pause', leaseMs: 30_000 });
    expect(paused).toEqual([{ instance: p.instance, paused: true, checkpoint: 2000 }]);
    await ns.publish(generateAgentEventLog({ namespace: ns.config.namespace, events: 100, seed: 99 }).map((g, i) => ({ ...g, subject: `${ns.config.namespace}.events.agent.late-${i}`, envelope: { ...g.envelope, aggregateId: `late-${i}`, agentId: `late-${i}` } })));
    await new Promise((r) => setTimeout(r, 1500));
    expect(p.checkpoint).toBe(2000); // paused: nothing applied
    expect(await controlProjectors(ns.nc, names, { op: 'resume' })).toEqual([{ instance: p.instance, paused: false, checkpoint: 2000 }]);
    await eventually(async () => p.checkpoint === 2100, 10_000);

    expect(beats).toContain('projector');
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/immune_projector_events_applied_total 2100/);
    expect(metrics).toMatch(/immune_projector_checkpoint 2100/);
    expect(metrics).toMatch(/immune_projector_batch_duration_seconds_count [1-9]/);
    expect(metrics).toMatch(/immune_projector_lag_events/);
  });

  it('a pause ends by itself when its lease is not renewed', async () => {
    const ns = await namespace('pl');
    const p = await start(ns);
    const names = namesOf(ns.config.namespace);
    expect(await controlProjectors(ns.nc, names, { op: 'pause', leaseMs: 1000 })).toMatchObject([{ paused: true }]);
    expect(p.paused).toBe(true);
    await eventually(async () => !p.paused, 5000);
    await ns.publish(generateAgentEventLog({ namespace: ns.config.namespace, events: 50, seed: 2 }));
    await eventually(async () => p.checkpoint === 50, 10_000);
  });

  it('killed mid-stream and restarted, it ends with the same tables as an uninterrupted run', async () => {
    const ns = await namespace('pk');
    const log = generateAgentEventLog({ namespace: ns.config.namespace, events: 6000, seed: 3 });
    await ns.publish(log.slice(0, 3000));

    // Instance A on its own connections, so they can be cut without a graceful stop.
    const ncA = await testNats();
    const dsA = await openDataSource({ databaseUrl: ns.config.databaseUrl, schema: ns.config.namespace, poolSize: 2, applicationName: `kill-${ns.config.namespace}` });
    const a = await start(ns, { nc: ncA, dataSource: dsA, batchSize: 20 });
    await eventually(async () => a.checkpoint >= 600, 20_000, 5);
    // The crash: connections dropped mid-transaction (rolled back), deliveries never acked.
    await ns.ds.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [`kill-${ns.config.namespace}`]);
    await ncA.close();
    await dsA.destroy().catch(() => undefined);
    const killedAt = await new ProjectionRunner({ dataSource: ns.ds, schema: ns.config.namespace }).checkpoint();
    expect(killedAt).toBeGreaterThanOrEqual(600);
    expect(killedAt).toBeLessThan(3000);

    await ns.publish(log.slice(3000));
    const b = await start(ns);
    await eventually(async () => b.checkpoint === 6000, 30_000);
    expect(await dumpProjectionTables(ns.ds, ns.config.namespace)).toEqual(await reference(ns, 6000));
  });

  it('skips poison messages (terminated) and agrees with a rebuild, which skips them too', async () => {
    const ns = await namespace('pp');
    const names = namesOf(ns.config.namespace);
    const log = generateAgentEventLog({ namespace: ns.config.namespace, events: 1500, seed: 4 });
    const nul = { ...log[700]!, envelope: { ...log[700]!.envelope, id: 'nul-event', data: { note: 'a \u0000 in it' } } };
    await ns.publish([
      ...log.slice(0, 500),
      { subject: names.agentEvents('garbage'), raw: 'not json at all' },
      ...log.slice(500, 1000),
      { subject: names.agentEvents('garbage'), raw: JSON.stringify({ ...nul.envelope }) },
      { subject: names.agentEvents('garbage'), raw: '{"half":' },
      ...log.slice(1000),
    ]);
    const p = await start(ns);
    await eventually(async () => p.checkpoint === 1503, 20_000);
    const live = await dumpProjectionTables(ns.ds, ns.config.namespace);
    expect(live.tables['events']).toHaveLength(1500);
    expect(live).toEqual(await reference(ns, 1503));

    const poison: number[] = [];
    const stats = await rebuildProjections({ config: ns.config, onPoison: (e) => poison.push(e.seq) });
    expect(poison).toEqual([501, 1002, 1003]);
    expect(stats).toMatchObject({ events: 1500, lastSeq: 1503, pausedProjectors: 1 });
    expect(await dumpProjectionTables(ns.ds, ns.config.namespace)).toEqual(live);
  });

  it('a rebuild while the projector runs (pause, swap, resume) ends consistent', async () => {
    const ns = await namespace('pr');
    const log = generateAgentEventLog({ namespace: ns.config.namespace, events: 8000, seed: 5 });
    await ns.publish(log.slice(0, 5000));
    const p = await start(ns, { batchSize: 100 });
    await eventually(async () => p.checkpoint >= 1000, 20_000);
    // Writers keep appending during the rebuild.
    const writing = (async () => {
      for (let i = 5000; i < 8000; i += 250) {
        await ns.publish(log.slice(i, i + 250));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const progress: number[] = [];
    const stats = await rebuildProjections({ config: ns.config, onProgress: (done) => progress.push(done) });
    expect(stats.pausedProjectors).toBe(1);
    expect(stats.events).toBeGreaterThanOrEqual(5000);
    expect(progress.length).toBeGreaterThan(0);
    expect(p.paused).toBe(false);
    await writing;
    await eventually(async () => p.checkpoint === 8000, 30_000);
    expect(await dumpProjectionTables(ns.ds, ns.config.namespace)).toEqual(await reference(ns, 8000));

    // Rebuilding one projection only, with the projector running, also ends consistent.
    await rebuildProjections({ config: ns.config, names: ['quarantines'] });
    expect(await dumpProjectionTables(ns.ds, ns.config.namespace)).toEqual(await reference(ns, 8000));
  });
});
