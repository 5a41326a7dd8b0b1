import type { DataSource } from 'typeorm';
import { isImmuneError } from '@immune/contracts';
import { createTestEnv, type TestEnv } from '@immune/testing';
import type { SqlRunner } from '../common/sql';
import { openMigratedDb } from '../int-db.spec-helper';
import { ApiKeyService, bootstrapBanner } from './api-key.service';

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return isImmuneError(e) ? e.code : String(e);
  }
  return undefined;
}

// Per-project testTimeout in jest.config.js does not reach hooks: database setup and cleanup need more than 5 s.

describe('ApiKeyService', () => {
  let env: TestEnv;
  let ds: DataSource;
  let sql: SqlRunner;
  let schema: string;

  beforeAll(async () => {
    env = await createTestEnv('gk');
    ({ ds, sql, schema } = await openMigratedDb(env.env));
  });
  afterAll(async () => {
    await ds?.destroy();
    await env?.cleanup();
  });

  it('creates a key that authenticates with its name and role; the key itself is never stored', async () => {
    const keys = new ApiKeyService(sql, schema);
    const created = await keys.create('ops-alice', 'operator', 'test');
    expect(created).toMatchObject({ name: 'ops-alice', role: 'operator' });
    expect(created.key).toMatch(/^imk_operator_[A-Za-z0-9]{32}$/);
    expect(await keys.authenticate(created.key)).toEqual({ name: 'ops-alice', role: 'operator' });
    const rows = await sql.query<Record<string, unknown>>(`SELECT * FROM "${schema}".api_keys WHERE name = 'ops-alice'`);
    expect(JSON.stringify(rows)).not.toContain(created.key);
    expect(rows[0]?.['key_hash']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses wrong keys and duplicate names', async () => {
    const keys = new ApiKeyService(sql, schema);
    const created = await keys.create('viewer-bob', 'viewer', 'test');
    expect(await keys.authenticate(`${created.key}x`)).toBeNull();
    expect(await keys.authenticate('imk_viewer_nope')).toBeNull();
    expect(await keys.authenticate('')).toBeNull();
    expect(await codeOf(keys.create('viewer-bob', 'admin', 'test'))).toBe('KEY.ALREADY_EXISTS');
    expect(await codeOf(keys.create('bad name!', 'admin', 'test'))).toBe('VALIDATION.FAILED');
    expect(await codeOf(keys.create('x', 'root', 'test'))).toBe('VALIDATION.FAILED');
  });

  it('a deleted key stops working at once through the same service, and within the cache TTL elsewhere', async () => {
    let now = 1_000_000;
    const keys = new ApiKeyService(sql, schema, 5_000, () => now);
    const other = new ApiKeyService(sql, schema, 5_000, () => now);
    const created = await keys.create('temp', 'admin', 'test');
    expect(await keys.authenticate(created.key)).not.toBeNull();
    expect(await other.authenticate(created.key)).not.toBeNull();
    await keys.delete('temp');
    expect(await keys.authenticate(created.key)).toBeNull();
    expect(await other.authenticate(created.key)).not.toBeNull(); // cached
    now += 5_001;
    expect(await other.authenticate(created.key)).toBeNull();
    expect(await codeOf(keys.delete('temp'))).toBe('KEY.NOT_FOUND');
  });

  it('lists keys without secrets, and records last use', async () => {
    const keys = new ApiKeyService(sql, schema);
    const created = await keys.create('lister', 'ingest', 'admin-1');
    await keys.authenticate(created.key);
    await new Promise((r) => setTimeout(r, 100)); // last_used_at is written off the request path
    const listed = (await keys.list()).find((k) => k.name === 'lister');
    expect(listed).toMatchObject({ name: 'lister', role: 'ingest', createdBy: 'admin-1' });
    expect(created.key.startsWith(listed!.prefix)).toBe(true);
    expect(listed!.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(await keys.list())).not.toMatch(/key_hash|[0-9a-f]{64}/);
  });

  it('bootstraps one key per role: from the environment, else generated once', async () => {
    const keys = new ApiKeyService(sql, schema);
    const adminKey = 'imk_admin_from_the_environment_0001';
    const first = await keys.bootstrap({ IMMUNE_ADMIN_KEY: adminKey });
    expect(first.map((r) => [r.role, r.outcome])).toEqual([
      ['viewer', 'generated'],
      ['operator', 'generated'],
      ['admin', 'env'],
      ['ingest', 'generated'],
    ]);
    expect(await keys.authenticate(adminKey)).toEqual({ name: 'bootstrap-admin', role: 'admin' });
    const viewer = first.find((r) => r.role === 'viewer')!.key!;
    expect(await keys.authenticate(viewer)).toEqual({ name: 'bootstrap-viewer', role: 'viewer' });
    const banner = bootstrapBanner(first);
    expect(banner).toHaveLength(3);
    expect(banner.join('\n')).toContain(viewer);

    const second = await keys.bootstrap({ IMMUNE_OPERATOR_KEY: 'imk_operator_now_set_in_env_0002' });
    expect(second.map((r) => r.outcome)).toEqual(['kept', 'env', 'kept', 'kept']);
    expect(bootstrapBanner(second)).toEqual([]);
    expect(await keys.authenticate(viewer)).not.toBeNull();
    expect(await keys.authenticate('imk_operator_now_set_in_env_0002')).toEqual({ name: 'bootstrap-operator', role: 'operator' });
    const oldOperator = first.find((r) => r.role === 'operator')!.key!;
    expect(await new ApiKeyService(sql, schema).authenticate(oldOperator)).toBeNull();
  });
});
