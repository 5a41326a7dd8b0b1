import { Client } from 'pg';
import { DataSource, type DataSourceOptions, type MixedList, type EntitySchema } from 'typeorm';
import { unreachableMessage } from '@immune/platform-runtime';

/** Creates the database of `databaseUrl` when it is missing (CONTRACT: "the database is created if missing"). */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const dbName = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres';
  const adminUrl = new URL(databaseUrl);
  adminUrl.pathname = '/postgres';
  const client = new Client({ connectionString: adminUrl.toString() });
  try {
    await client.connect();
  } catch (e) {
    throw new DependencyUnreachableError(unreachableMessage('PostgreSQL', databaseUrl, e));
  }
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE ${quoteIdent(dbName)}`).catch((e: { code?: string }) => {
        if (e.code !== '42P04') throw e; // created concurrently by another service
      });
    }
  } finally {
    await client.end();
  }
}

export class DependencyUnreachableError extends Error {
  override readonly name = 'DependencyUnreachableError';
}

export function quoteIdent(id: string): string {
  return `"${id.replace(/"/g, '""')}"`;
}

export interface DataSourceParams {
  databaseUrl: string;
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities?: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations?: MixedList<Function | string>;
  poolSize?: number;
  applicationName?: string;
}

export function dataSourceOptions(p: DataSourceParams): DataSourceOptions {
  return {
    type: 'postgres',
    url: p.databaseUrl,
    schema: p.schema,
    entities: p.entities ?? [],
    migrations: p.migrations ?? [],
    migrationsTableName: 'migrations',
    synchronize: false,
    logging: false,
    extra: { max: p.poolSize ?? 10, application_name: p.applicationName ?? 'immune' },
  };
}

/** Creates the database if needed and opens a TypeORM DataSource bound to the namespace's schema. */
export async function openDataSource(p: DataSourceParams): Promise<DataSource> {
  await ensureDatabase(p.databaseUrl);
  const ds = new DataSource(dataSourceOptions(p));
  try {
    await ds.initialize();
  } catch (e) {
    throw new DependencyUnreachableError(unreachableMessage('PostgreSQL', p.databaseUrl, e));
  }
  await ds.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(p.schema)}`);
  return ds;
}
