import type { DataSource } from 'typeorm';
import type { StoredEvent } from '@immune/contracts';
import { openDataSource } from '@immune/platform-postgres';
import { asStoredEvents, generateAgentEventLog, migrate, READ_MODEL_PROJECTIONS, type ProjectionDefinition } from '@immune/read-models';
import { createTestEnv, type TestEnv } from '@immune/testing';
import { ProjectionRunner, isCheckpointGap } from './projection-runner';
import { dumpProjectionTables } from './table-dump';


describe('ProjectionRunner', () => {
  let env: TestEnv;
  let ds: DataSource;
  const log = asStoredEvents(generateAgentEventLog({ namespace: 'spec', events: 3000, seed: 11 }));
  const schema = (suffix: string) => `${env.namespace}_${suffix}`;

  async function freshSchema(suffix: string): Promise<string> {
    await migrate({ databaseUrl: env.databaseUrl, namespace: schema(suffix) });
    return schema(suffix);
  }

  async function applyInBatches(runner: ProjectionRunner, events: readonly StoredEvent[], size: number): Promise<void> {
    for (let i = 0; i < events.length; i += size) await runner.apply(events.slice(i, i + size));
  }

  beforeAll(async () => {
    env = await createTestEnv('pr');
    await migrate({ databaseUrl: env.databaseUrl, namespace: env.namespace });
    ds = await openDataSource({ databaseUrl: env.databaseUrl, schema: env.namespace, poolSize: 6 });
  });
  afterAll(async () => {
    await ds?.destroy();
    await env?.cleanup();
  });

  it('applies a batch and its checkpoints in one transaction; re-applying it changes nothing', async () => {
    const s = await freshSchema('a');
    const runner = new ProjectionRunner({ dataSource: ds, schema: s });
    const first = await runner.apply(log.slice(0, 500));
    expect(first.checkpoint).toBe(500);
    expect(first.checkpoints).toEqual(Object.fromEntries(READ_MODEL_PROJECTIONS.map((p) => [p.name, 500])));
    expect(Object.keys(first.checkpoints)).toEqual(expect.arrayContaining(['agents', 'quarantines', 'report', 'events', 'escalations', 'posture', 'healing_log']));
    expect(first.applied).toBe(500);
    const before = await dumpProjectionTables(ds, s);
    const stamps = () => ds.query(`SELECT name, updated_at FROM "${s}".projection_checkpoints ORDER BY name`);
    const stampsBefore = await stamps();
    expect(before.tables['events']).toHaveLength(500);

    const again = await runner.apply(log.slice(0, 500));
    expect(again.applied).toBe(0);
    expect(again.checkpoint).toBe(500);
    expect(await dumpProjectionTables(ds, s)).toEqual(before);
    expect(await stamps()).toEqual(stampsBefore);

    // A batch overlapping the checkpoint applies only its new part.
    const overlap = await runner.apply(log.slice(400, 600));
    expect(overlap.applied).toBe(100);
    await runner.apply(log.slice(0, 600));
    const after = await dumpProjectionTables(ds, s);
    expect(after.tables['events']).toHaveLength(600);

    const ref = await freshSchema('a_ref');
    await new ProjectionRunner({ dataSource: ds, schema: ref }).apply(log.slice(0, 600));
    expect(await dumpProjectionTables(ds, ref)).toEqual(after);
  });

  it('batch size does not matter: 1, 37 and 3000 events per batch give the same tables', async () => {
    const dumps = [];
    for (const [suffix, size] of [['b1', 1], ['b37', 37], ['b3000', 3000]] as const) {
      const s = await freshSchema(suffix);
      await applyInBatches(new ProjectionRunner({ dataSource: ds, schema: s }), log.slice(0, 400), size);
      dumps.push(await dumpProjectionTables(ds, s));
    }
    expect(dumps[1]).toEqual(dumps[0]);
    expect(dumps[2]).toEqual(dumps[0]);
    expect(dumps[0]!.checkpoints['agents']).toBe(400);
  });

  it('refuses a batch that would leave a hole, and writes nothing', async () => {
    const s = await freshSchema('gap');
    const runner = new ProjectionRunner({ dataSource: ds, schema: s });
    await runner.apply(log.slice(0, 100));
    const e = await runner.apply(log.slice(150, 200)).catch((x: unknown) => x);
    expect(isCheckpointGap(e)).toBe(true);
    expect(await runner.checkpoint()).toBe(100);
    // A range that says the hole is covered (e.g. terminated poison messages) is accepted.
    const ok = await runner.apply(log.slice(101, 200), { firstSeq: 101 });
    expect(ok.checkpoint).toBe(200);
    const events = await ds.query(`SELECT count(*)::int AS n FROM "${s}".events`);
    expect(events).toEqual([{ n: 199 }]);
  });

  it('rolls back rows and checkpoints together when a write fails', async () => {
    const s = await freshSchema('fail');
    const broken: ProjectionDefinition = { ...READ_MODEL_PROJECTIONS[3]!, name: 'broken', table: 'no_such_table' };
    const runner = new ProjectionRunner({ dataSource: ds, schema: s, projections: [...READ_MODEL_PROJECTIONS, broken] });
    await expect(runner.apply(log.slice(0, 50))).rejects.toThrow(/no_such_table/);
    const fine = new ProjectionRunner({ dataSource: ds, schema: s });
    expect(await fine.checkpoint()).toBe(0);
    const dump = await dumpProjectionTables(ds, s);
    for (const rows of Object.values(dump.tables)) expect(rows).toEqual([]);
  });

  it('two runners applying the same batches at once (the lock serializes them) end like one', async () => {
    const s = await freshSchema('race');
    const a = new ProjectionRunner({ dataSource: ds, schema: s });
    const b = new ProjectionRunner({ dataSource: ds, schema: s });
    const slices = [log.slice(0, 300), log.slice(300, 700), log.slice(700, 1000)];
    await Promise.all([
      (async () => {
        for (const x of slices) await a.apply(x);
      })(),
      (async () => {
        for (const x of slices) await b.apply(x).catch((e: unknown) => (isCheckpointGap(e) ? null : Promise.reject(e)));
      })(),
    ]);
    const ref = await freshSchema('race_ref');
    await new ProjectionRunner({ dataSource: ds, schema: ref }).apply(log.slice(0, 1000));
    expect(await dumpProjectionTables(ds, s)).toEqual(await dumpProjectionTables(ds, ref));
  });

  it('an evolve that throws skips that event for that projection and reports it', async () => {
    const s = await freshSchema('throws');
    const agents = READ_MODEL_PROJECTIONS[0]!;
    const fragile: ProjectionDefinition = {
      ...agents,
      evolve: (state, e) => {
        if (e.seq === 3) throw new Error('boom');
        return agents.evolve(state, e);
      },
    };
    const errors: number[] = [];
    const runner = new ProjectionRunner({ dataSource: ds, schema: s, projections: [fragile], onEvolveError: (_p, e) => errors.push(e.seq) });
    const r = await runner.apply(log.slice(0, 20));
    expect(r.checkpoint).toBe(20);
    expect(errors).toEqual(log[2]!.envelope.aggregate === 'agent' ? [3] : []);
  });
});
