import type { DataSource } from 'typeorm';
import { openDataSource } from '@immune/platform-postgres';
import { loadConfig } from '@immune/platform-runtime';
import { createTestEnv, type TestEnv } from '@immune/testing';
import { AgentEntity, ProjectionCheckpointEntity, READ_MODEL_ENTITIES, READ_MODEL_MIGRATIONS, migrate } from './index';

/** docs/read-models.md, column by column. */
const EXPECTED: Record<string, Record<string, string>> = {
  agents: { agent_id: 'text', status: 'text', severity: 'text', source: 'text', reason_code: 'text', quarantined: 'boolean', version: 'bigint', doc: 'jsonb' },
  quarantines: {
    quarantine_id: 'text', agent_id: 'text', active: 'boolean', severity: 'text', source: 'text', reason_code: 'text',
    quarantined_at: 'timestamp with time zone', ended_at: 'timestamp with time zone', opened_seq: 'bigint', doc: 'json',
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
  escalations: {
    escalation_id: 'text', status: 'text', from_profile: 'text', to_profile: 'text', type: 'text', requested_at: 'timestamp with time zone',
    expires_at: 'timestamp with time zone', ended_at: 'timestamp with time zone', opened_seq: 'bigint', doc: 'jsonb',
  },
  posture: { id: 'integer', current: 'text', baseline: 'text', version: 'bigint', changed_at: 'timestamp with time zone', doc: 'jsonb' },
  vitals_rollups: {
    agent_id: 'text', minute: 'timestamp with time zone', count: 'integer', failures: 'integer', retries: 'bigint', latency_sum_ms: 'double precision',
    latency_max_ms: 'double precision', input_tokens: 'bigint', output_tokens: 'bigint', tokens: 'bigint', cost_usd: 'double precision',
    tool_calls: 'bigint', last_vital_at: 'timestamp with time zone',
  },
  healing_log: {
    seq: 'bigint', agent_id: 'text', healing_id: 'text', quarantine_id: 'text', type: 'text', outcome: 'text', diagnosis: 'text', action: 'text',
    attempt: 'integer', reason: 'text', detail: 'text', occurred_at: 'timestamp with time zone',
  },
  healing_patterns: { pattern_key: 'text', diagnosis: 'text', action: 'text', successes: 'integer', failures: 'integer' },
  healing_agent_memory: {
    memory_key: 'text', agent_id: 'text', diagnosis: 'text', healings: 'integer', exhaustions: 'integer', last_outcome: 'text',
    last_at: 'timestamp with time zone', doc: 'jsonb',
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
  escalations: ['escalation_id'],
  posture: ['id'],
  vitals_rollups: ['agent_id', 'minute'],
  healing_agent_memory: ['memory_key'],
  healing_log: ['seq'],
  healing_patterns: ['pattern_key'],
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
    expect(results.flat()).toEqual(READ_MODEL_MIGRATIONS.map((m) => m.name));
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
    expect(cps.map((c) => [c.name, c.lastSeq])).toEqual([['agents', 0], ['escalations', 0], ['events', 0], ['healing_agent_memory', 0], ['healing_log', 0], ['healing_patterns', 0], ['posture', 0], ['quarantines', 0], ['report', 0]]);
    await ds.query(`INSERT INTO "${env.namespace}".agents VALUES ('a', 'active', NULL, NULL, NULL, false, 12, '{"agentId":"a"}')`);
    const agent = await ds.getRepository(AgentEntity).findOneByOrFail({ agentId: 'a' });
    expect(agent).toMatchObject({ agentId: 'a', status: 'active', quarantined: false, version: 12, doc: { agentId: 'a' } });
  });

  it('another namespace in the same database gets its own tables', async () => {
    const other = `${env.namespace}_b`;
    expect(await migrate({ databaseUrl: env.databaseUrl, namespace: other })).toEqual(READ_MODEL_MIGRATIONS.map((m) => m.name));
    const n = await ds.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1`, [other]);
    expect(n[0]!.n).toBe(Object.keys(EXPECTED).length + 1); // + migrations
    const a = await ds.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM "${other}".agents`);
    expect(a[0]!.n).toBe(0);
  });
});
