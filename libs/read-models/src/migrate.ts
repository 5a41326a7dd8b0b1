import type { DataSource } from 'typeorm';
import { openDataSource } from '@immune/platform-postgres';
import type { RuntimeConfig } from '@immune/platform-runtime';
import { READ_MODEL_ENTITIES, READ_MODEL_MIGRATIONS } from './read-models';

/**
 * Creates the database and schema if missing and applies every pending migration (`npx immune migrate`, and
 * every service at start). Safe when several services start at once: see migrateDataSource.
 * Returns the names of the migrations it applied.
 */
export async function migrate(config: Pick<RuntimeConfig, 'databaseUrl' | 'namespace'>): Promise<string[]> {
  const ds = await openWithRetry(() =>
    openDataSource({
      databaseUrl: config.databaseUrl,
      schema: config.namespace,
      entities: READ_MODEL_ENTITIES,
      migrations: READ_MODEL_MIGRATIONS,
      poolSize: 2,
      applicationName: 'immune-migrate',
    }),
  );
  try {
    return await migrateDataSource(ds);
  } finally {
    await ds.destroy();
  }
}

/**
 * Runs the migrations of an open DataSource (which must list READ_MODEL_MIGRATIONS) in one transaction, under a
 * session advisory lock per schema held on a second connection: a concurrent migrate waits, then finds nothing
 * left to do. The pool needs at least two connections.
 */
export async function migrateDataSource(ds: DataSource): Promise<string[]> {
  const schema = (ds.options as { schema?: string }).schema ?? 'public';
  const lock = ds.createQueryRunner();
  await lock.connect();
  try {
    await lock.query(`SELECT pg_advisory_lock(hashtext('immune.migrate'), hashtext($1))`, [schema]);
    try {
      const applied = await ds.runMigrations({ transaction: 'all' });
      return applied.map((m) => m.name);
    } finally {
      await lock.query(`SELECT pg_advisory_unlock(hashtext('immune.migrate'), hashtext($1))`, [schema]);
    }
  } finally {
    await lock.release();
  }
}

/**
 * Two services creating the same database or schema at the same moment can both pass "IF NOT EXISTS" and one
 * then fails on the catalog's unique index (23505) or "already exists" (42P04, 42P06): the second try finds it.
 */
async function openWithRetry(open: () => Promise<DataSource>, attempts = 3): Promise<DataSource> {
  for (let i = 1; ; i++) {
    try {
      return await open();
    } catch (e) {
      const code = (e as { code?: string; driverError?: { code?: string } }).driverError?.code ?? (e as { code?: string }).code;
      if (i >= attempts || !['23505', '42P04', '42P06'].includes(code ?? '')) throw e;
      await new Promise((r) => setTimeout(r, 50 * i));
    }
  }
}
