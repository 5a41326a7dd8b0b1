import type { DataSource } from 'typeorm';
import { openDataSource } from '@immune/platform-postgres';
import { loadConfig } from '@immune/platform-runtime';
import { createTestEnv, type TestEnv } from '@immune/testing';
import { AgentEntity, ProjectionCheckpointEntity, READ_MODEL_ENTITIES, migrate } from './index';

/** docs/read-models.md, column by column. */
const EXPECTED: Record<string, Record<string, string>> = {
  agents: { agent_id: 'text', status: 'text', severity: 'text', source: 'text', reason_code: 'text', quarantined: 'boolean', version: 'bigint', doc: 'jsonb' },
  quarantines: {
    quarantine_id: 'text', agent_id: 'text', active: 'boolean', severity: 'text', source: 'text', reason_code: 'text',
    quarantined_at: 'timestamp with time zone', ended_at: 'timestamp with time zone', opened_seq: 'bigint', doc: 'jsonb',
  },
  events: {
    seq: 'bigint', id: 'text', subject: 'text', type: 'text', aggregate: 'text', aggregate_id: 'text', agent_id: 'text',
    occurred_at: 'timestamp with time zone', actor: 'text', correlation_id: 'text', causation_id: 'text', data: 'json', prev_hash: 'text', hash: 'text',
  },
  report: {
    id: 'integer', total_quarantined: 'integer', released: 'integer', terminated: 'integer', by_severity: 'jsonb', by_source: 'jsonb',
    ended_count: 'integer', total_duration_seconds: 'double precision',
  },
  projection_checkpoints: { name: 'text', last_seq: 'bigint', updated_at: 'timestamp with time zone' },
  api_keys: { name: 'text', role: 'text', key_hash: 'text', prefix: 'text', created_at: 'timestamp with time zone', created_by: 'text', last_used_at: 'timestamp with time zone' },
  idempotency_keys: {
    actor: 'text', key: 'text', method: 'text', path: 'text', request_hash: 'text', status: 'integer', body: 'jsonb', headers: 'jsonb', created_at: 'timestamp with time zone',
  },
};

const KEYS: Record<string, string[]> = {
  agents: ['agent_id'],
  quarantines: ['quarantine_id'],
  events: ['seq'],
  report: ['id'],
  projection_checkpoints: ['name'],
  api_keys: ['name'],
  idempotency_keys: ['actor', 'key'],
};

describe('read-model migrations', () => {
  let env: TestEnv;
  let ds: DataSource;

  beforeAll(async () => {
    env = await createTestEnv('rm');
  });
  afterAll(async () => {
    await ds?.destroy();
    await env?.cleanup();
  });

  it('run concurrently: one of them applies, the others find nothing to do; running again is a no-op', async () => {
    const config = loadConfig(env.env);
    const results = await Promise.all([migrate(config), migrate(config), migrate(config)]);
    expect(results.flat()).toEqual(['ReadModels1767225600000']);
    expect(await migrate(config)).toEqual([]);
  });

  it('create every table of docs/read-models.md in the namespace schema, with its key', async () => {
    ds = await openDataSource({ databaseUrl: env.databaseUrl, schema: env.namespace, entities: READ_MODEL_ENTITIES, poolSize: 2 });
    const cols = await ds.query<{ table_name: string; column_name: string; data_type: string }[]>(
      `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = $1`,
      [env.namespace],
    );
    const actual: Record<string, Record<string, string>> = {};
    for (const c of cols) (actual[c.table_name] ??= {})[c.column_name] = c.data_type;
    expect(actual).toEqual({ ...EXPECTED, migrations: expect.any(Object) });
    expect(await ds.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'agents'`)).toEqual([{ n: 0 }]);

    const pks = await ds.query<{ table_name: string; column_name: string }[]>(
      `SELECT tc.table_name, kcu.column_name FROM information_schema.table_constraints tc
         JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema
        WHERE tc.table_schema = $1 AND tc.constraint_type = 'PRIMARY KEY' ORDER BY tc.table_name, kcu.ordinal_position`,
      [env.namespace],
    );
    const keys: Record<string, string[]> = {};
    for (const k of pks) if (k.table_name !== 'migrations') (keys[k.table_name] ??= []).push(k.column_name);
    expect(keys).toEqual(KEYS);

    const unique = await ds.query<{ indexname: string }[]>(`SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND indexdef LIKE 'CREATE UNIQUE%' ORDER BY 1`, [env.namespace]);
    expect(unique.map((u) => u.indexname)).toEqual(expect.arrayContaining(['events_id_key', 'api_keys_key_hash_key']));
  });

  it('start every projection checkpoint at 0, and the entities read the tables', async () => {
    const cps = await ds.getRepository(ProjectionCheckpointEntity).find({ order: { name: 'ASC' } });
    expect(cps.map((c) => [c.name, c.lastSeq])).toEqual([['agents', 0], ['events', 0], ['quarantines', 0], ['report', 0]]);
    await ds.query(`INSERT INTO "${env.namespace}".agents VALUES ('a', 'active', NULL, NULL, NULL, false, 12, '{"agentId":"a"}')`);
    const agent = await ds.getRepository(AgentEntity).findOneByOrFail({ agentId: 'a' });
    expect(agent).toMatchObject({ agentId: 'a', status: 'active', quarantined: false, version: 12, doc: { agentId: 'a' } });
  });

  it('another namespace in the same database gets its own tables', async () => {
    const other = `${env.namespace}_b`;
    expect(await migrate({ databaseUrl: env.databaseUrl, namespace: other })).toEqual(['ReadModels1767225600000']);
    const n = await ds.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1`, [other]);
    expect(n[0]!.n).toBe(8);
    const a = await ds.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM "${other}".agents`);
    expect(a[0]!.n).toBe(0);
  });
});
