import type { DataSource } from 'typeorm';
import { openDataSource } from '@immune/platform-postgres';
import { loadConfig } from '@immune/platform-runtime';
import { migrate, READ_MODEL_ENTITIES } from '@immune/read-models';
import { sqlRunnerOf, type SqlRunner } from './common/sql';

/** For integration specs: the migrated read-model schema of a test namespace, and plain SQL on it. */
export async function openMigratedDb(env: NodeJS.ProcessEnv): Promise<{ ds: DataSource; sql: SqlRunner; schema: string }> {
  const config = loadConfig(env);
  await migrate(config);
  const ds = await openDataSource({ databaseUrl: config.databaseUrl, schema: config.namespace, entities: READ_MODEL_ENTITIES, poolSize: 4 });
  return { ds, sql: sqlRunnerOf(ds), schema: config.namespace };
}
