import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { names as namesOf } from '@immune/contracts';
import { provisionEventStream } from '@immune/platform-jetstream';
import { openDataSource } from '@immune/platform-postgres';
import { loadConfig } from '@immune/platform-runtime';
import { asStoredEvents, generateAgentEventLog, migrate } from '@immune/read-models';
import { createTestEnv, testNats, type TestEnv } from '@immune/testing';
import { ProjectionRunner } from './projection-runner';
import { rebuildProjections } from './rebuild-projections';
import { dumpProjectionTables } from './table-dump';

jest.setTimeout(120_000);

describe('rebuildProjections (the CLI entry)', () => {
  let env: TestEnv;
  let nc: NatsConnection;

  beforeAll(async () => {
    env = await createTestEnv('rp');
    nc = await testNats();
  });
  afterAll(async () => {
    await nc?.close();
    await env?.cleanup();
  });

  it('reads the stream, rebuilds, and refuses a missing or shorter log instead of wiping the tables', async () => {
    const config = loadConfig(env.env);
    const names = namesOf(config.namespace);
    await expect(rebuildProjections({ config })).rejects.toThrow(/no event stream/);

    await provisionEventStream(await jetstreamManager(nc), names);
    const log = generateAgentEventLog({ namespace: config.namespace, events: 3000, seed: 8 });
    const js = jetstream(nc);
    for (let i = 0; i < log.length; i += 500) {
      await Promise.all(log.slice(i, i + 500).map((g) => js.publish(g.subject, JSON.stringify(g.envelope), { msgID: g.envelope.id })));
    }
    const progress: [number, number][] = [];
    const stats = await rebuildProjections({ config, onProgress: (done, total) => progress.push([done, total]) });
    // Every archive row came from the reader thread (our writer's layout), and still equals the reference below.
    expect(stats).toMatchObject({ events: 3000, lastSeq: 3000, readerArchiveRows: 3000, pausedProjectors: 0, projections: ['agents', 'quarantines', 'report', 'events', 'escalations', 'posture', 'healing_log', 'healing_patterns', 'healing_agent_memory'] });
    expect(progress[progress.length - 1]).toEqual([3000, 3000]);

    const ds = await openDataSource({ databaseUrl: config.databaseUrl, schema: config.namespace, poolSize: 2 });
    try {
      const ref = `${config.namespace}_ref`;
      await migrate({ databaseUrl: config.databaseUrl, namespace: ref });
      await new ProjectionRunner({ dataSource: ds, schema: ref }).apply(asStoredEvents(log));
      const rebuilt = await dumpProjectionTables(ds, config.namespace);
      expect(rebuilt).toEqual(await dumpProjectionTables(ds, ref));

      await ds.query(`UPDATE "${config.namespace}".projection_checkpoints SET last_seq = 5000 WHERE name = 'events'`);
      await expect(rebuildProjections({ config })).rejects.toThrow(/ends at seq 3000 but the read models have applied up to 5000/);
      expect((await dumpProjectionTables(ds, config.namespace)).tables).toEqual(rebuilt.tables);
    } finally {
      await ds.destroy();
    }
  });
});
