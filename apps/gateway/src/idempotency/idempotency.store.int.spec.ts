import type { DataSource } from 'typeorm';
import { isImmuneError } from '@immune/contracts';
import { createTestEnv, type TestEnv } from '@immune/testing';
import type { SqlRunner } from '../common/sql';
import { openMigratedDb } from '../int-db.spec-helper';
import { IDEMPOTENCY_TTL_MS, IdempotencyStore } from './idempotency.store';

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return isImmuneError(e) ? e.code : String(e);
  }
  return undefined;
}

async function codeOrKind(p: Promise<{ kind: string }>): Promise<string> {
  try {
    return (await p).kind;
  } catch (e) {
    return isImmuneError(e) ? e.code : String(e);
  }
}

// Per-project testTimeout in jest.config.js does not reach hooks: database setup and cleanup need more than 5 s.

describe('IdempotencyStore', () => {
  let env: TestEnv;
  let ds: DataSource;
  let sql: SqlRunner;
  let schema: string;
  let now = Date.parse('2026-01-01T00:00:00Z');
  const clock = () => now;

  beforeAll(async () => {
    env = await createTestEnv('gi');
    ({ ds, sql, schema } = await openMigratedDb(env.env));
  });
  afterAll(async () => {
    await ds?.destroy();
    await env?.cleanup();
  });

  const req = (key: string, requestHash = 'h1', actor = 'alice') => ({ actor, key, method: 'POST', path: '/api/v1/agents/a/quarantine', requestHash });

  it('claims a new key, then replays the stored answer', async () => {
    const store = new IdempotencyStore(sql, schema, clock);
    expect(await store.begin(req('k1'))).toEqual({ kind: 'started' });
    const body = { agentId: 'a', status: 'suspended', version: 7, nested: [1, 2] };
    await store.complete('alice', 'k1', { status: 201, body, headers: { etag: '"7"', 'content-type': 'application/json' } });
    expect(await store.begin(req('k1'))).toEqual({ kind: 'replay', status: 201, body, headers: { etag: '"7"', 'content-type': 'application/json' } });
  });

  it('keys are per actor', async () => {
    const store = new IdempotencyStore(sql, schema, clock);
    expect(await store.begin(req('shared', 'h1', 'alice'))).toEqual({ kind: 'started' });
    expect(await store.begin(req('shared', 'h2', 'bob'))).toEqual({ kind: 'started' });
  });

  it('the same key with another request is 422', async () => {
    const store = new IdempotencyStore(sql, schema, clock);
    await store.begin(req('k2', 'h1'));
    await store.complete('alice', 'k2', { status: 200, body: {}, headers: {} });
    expect(await codeOf(store.begin(req('k2', 'other')))).toBe('REQUEST.IDEMPOTENCY_KEY_REUSED');
  });

  it('a duplicate while the first is in flight is 409; a stale in-flight claim is taken over', async () => {
    const store = new IdempotencyStore(sql, schema, clock);
    expect(await store.begin(req('k3'))).toEqual({ kind: 'started' });
    expect(await codeOf(store.begin(req('k3')))).toBe('CONCURRENCY.CONFLICT');
    now += 61_000;
    expect(await store.begin(req('k3'))).toEqual({ kind: 'started' });
    expect(await codeOf(store.begin(req('k3')))).toBe('CONCURRENCY.CONFLICT');
  });

  it('concurrent requests share one statement per step, and of two with the same key only one starts', async () => {
    const statements: string[] = [];
    const counted: SqlRunner = { query: (text, params) => (statements.push(text), sql.query(text, params)) };
    const store = new IdempotencyStore(counted, schema, clock);
    const outcomes = await Promise.all([store.begin(req('c1')), store.begin(req('c2')), store.begin(req('c3', 'h1', 'bob')), store.begin(req('c1'))].map(codeOrKind));
    expect(outcomes).toEqual(['started', 'started', 'started', 'CONCURRENCY.CONFLICT']);
    const inserts = statements.filter((q) => q.trim().startsWith('INSERT'));
    expect(inserts).toHaveLength(1);
    statements.length = 0;
    await Promise.all([
      store.complete('alice', 'c1', { status: 201, body: { n: 1 }, headers: { etag: '"1"' } }),
      store.complete('alice', 'c2', { status: 409, body: { code: 'X' }, headers: {} }),
      store.complete('bob', 'c3', { status: 200, body: null, headers: {} }),
    ]);
    expect(statements).toHaveLength(1);
    expect(await store.begin(req('c1'))).toEqual({ kind: 'replay', status: 201, body: { n: 1 }, headers: { etag: '"1"' } });
    expect(await store.begin(req('c2'))).toEqual({ kind: 'replay', status: 409, body: { code: 'X' }, headers: {} });
    expect(await store.begin(req('c3', 'h1', 'bob'))).toEqual({ kind: 'replay', status: 200, body: null, headers: {} });
  });

  it('abandon frees the key for a retry', async () => {
    const store = new IdempotencyStore(sql, schema, clock);
    await store.begin(req('k4'));
    await store.abandon('alice', 'k4');
    expect(await store.begin(req('k4'))).toEqual({ kind: 'started' });
  });

  it('answers are kept 24 h, then the key is new again (even for another request)', async () => {
    const store = new IdempotencyStore(sql, schema, clock);
    await store.begin(req('k5'));
    await store.complete('alice', 'k5', { status: 201, body: { n: 1 }, headers: {} });
    now += IDEMPOTENCY_TTL_MS - 1;
    expect((await store.begin(req('k5'))).kind).toBe('replay');
    now += 2;
    expect(await store.begin(req('k5', 'different'))).toEqual({ kind: 'started' });
  });

  it('purges expired keys', async () => {
    const store = new IdempotencyStore(sql, schema, clock);
    await store.begin(req('k6'));
    await store.complete('alice', 'k6', { status: 204, body: null, headers: {} });
    expect((await store.begin(req('k6'))).kind).toBe('replay');
    now += IDEMPOTENCY_TTL_MS + 1;
    expect(await store.purgeExpired()).toBeGreaterThanOrEqual(1);
    const left = await sql.query(`SELECT key FROM "${schema}".idempotency_keys WHERE key = 'k6'`);
    expect(left).toHaveLength(0);
  });
});
