import type { Vital } from '@immune/contracts';
import { Client } from 'pg';
import { loadConfig } from '@immune/platform-runtime';
import { createTestEnv, type TestEnv } from '@immune/testing';
import { migrate } from '../migrate';
import { VitalsRollupAccumulator, pruneVitalsRollups, readLastVitalAt, readVitalsRollups, upsertVitalsRollups, type RollupSql } from './vitals-rollups';

const T0 = Date.parse('2026-11-23T06:00:00.000Z');

function vital(agentId: string, ts: number, extra: Partial<Vital> = {}): Vital {
  return {
    agentId, ts, latencyMs: 100, inputTokens: 10, outputTokens: 5, tokens: 15, costUsd: 0.01, toolCalls: 2, retries: 0, success: true,
    errorType: null, promptHash: null, model: null, agentType: null, mcpServers: [], ...extra,
  };
}

describe('vitals rollups in PostgreSQL', () => {
  let env: TestEnv;
  let client: Client;
  let sql: RollupSql;

  beforeAll(async () => {
    env = await createTestEnv('vr');
    await migrate(loadConfig(env.env));
    client = new Client({ connectionString: env.databaseUrl });
    await client.connect();
    sql = { query: async (text, params) => (await client.query(text, params)).rows };
  });
  afterAll(async () => {
    await client?.end();
    await env?.cleanup();
  });

  it('sums each agent-minute in one upsert, and adds later flushes of the same minute to it', async () => {
    const acc = new VitalsRollupAccumulator();
    acc.add(vital('a', T0 + 1_000, { latencyMs: 100 }));
    acc.add(vital('a', T0 + 59_999, { latencyMs: 300, success: false, retries: 2, toolCalls: 5 }));
    acc.add(vital('a', T0 + 60_000, { latencyMs: 50 }));
    acc.add(vital('b', T0 + 5_000, { costUsd: 0.5 }));
    expect(acc.size).toBe(3);
    await upsertVitalsRollups(sql, env.namespace, acc.drain());
    expect(acc.size).toBe(0);

    acc.add(vital('a', T0 + 30_000, { latencyMs: 800, inputTokens: 1000, tokens: 1005 }));
    await upsertVitalsRollups(sql, env.namespace, acc.drain());

    const rows = await readVitalsRollups(sql, env.namespace, 'a', T0, T0 + 120_000, 10);
    expect(rows).toEqual([
      {
        minute: '2026-11-23T06:00:00.000Z', count: 3, failures: 1, retries: 2, latencyMeanMs: 400, latencyMaxMs: 800,
        inputTokens: 1020, outputTokens: 15, tokens: 1035, costUsd: expect.closeTo(0.03, 10), toolCalls: 9, lastVitalAt: '2026-11-23T06:00:59.999Z',
      },
      {
        minute: '2026-11-23T06:01:00.000Z', count: 1, failures: 0, retries: 0, latencyMeanMs: 50, latencyMaxMs: 50,
        inputTokens: 10, outputTokens: 5, tokens: 15, costUsd: 0.01, toolCalls: 2, lastVitalAt: '2026-11-23T06:01:00.000Z',
      },
    ]);
    expect(await readVitalsRollups(sql, env.namespace, 'a', T0 + 60_000, T0 + 120_000, 10)).toHaveLength(1);
    expect(await readLastVitalAt(sql, env.namespace, 'a')).toBe('2026-11-23T06:01:00.000Z');
    expect(await readLastVitalAt(sql, env.namespace, 'nobody')).toBeNull();
    expect((await readVitalsRollups(sql, env.namespace, 'b', T0, T0 + 60_000, 10))[0]).toMatchObject({ count: 1, costUsd: 0.5 });
  });

  it('keeps a failed flush for the next one, merged with what arrived meanwhile', () => {
    const acc = new VitalsRollupAccumulator();
    acc.add(vital('c', T0, { latencyMs: 10 }));
    const failed = acc.drain();
    acc.add(vital('c', T0 + 1, { latencyMs: 30 }));
    acc.restore(failed);
    expect(acc.drain()).toEqual([expect.objectContaining({ agentId: 'c', count: 2, latencySumMs: 40, latencyMaxMs: 30 })]);
  });

  it('prunes the minutes before a time', async () => {
    expect(await pruneVitalsRollups(sql, env.namespace, T0 + 60_000)).toBe(2);
    expect(await readVitalsRollups(sql, env.namespace, 'a', T0, T0 + 120_000, 10)).toHaveLength(1);
  });
});
