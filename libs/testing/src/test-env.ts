import { randomBytes } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { Client } from 'pg';

export const TEST_NATS_URL = process.env['NATS_URL'] || 'nats://127.0.0.1:4222';
export const TEST_PG_ADMIN_URL = process.env['TEST_PG_ADMIN_URL'] || 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh namespace and database for one spec; `cleanup()` deletes every stream, bucket and the database. */
export interface TestEnv {
  namespace: string;
  databaseName: string;
  databaseUrl: string;
  natsUrl: string;
  /** Environment for child processes (services, CLI) pointing at this namespace and database. */
  env: NodeJS.ProcessEnv;
  cleanup(): Promise<void>;
}

export function freshNamespace(prefix = 't'): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

export async function createTestEnv(prefix = 't'): Promise<TestEnv> {
  const namespace = freshNamespace(prefix);
  const databaseName = `immune_${namespace}`;
  const admin = new Client({ connectionString: TEST_PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${databaseName}"`);
  } finally {
    await admin.end();
  }
  const databaseUrl = TEST_PG_ADMIN_URL.replace(/\/[^/]*$/, `/${databaseName}`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    IMMUNE_NAMESPACE: namespace,
    DATABASE_URL: databaseUrl,
    NATS_URL: TEST_NATS_URL,
    LOG_FORMAT: 'json',
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] || 'warn',
  };
  return {
    namespace,
    databaseName,
    databaseUrl,
    natsUrl: TEST_NATS_URL,
    env,
    cleanup: () => destroyNamespace(namespace, databaseName),
  };
}

/** Deletes every stream (KV buckets are streams too) of the namespace and drops its database. */
export async function destroyNamespace(namespace: string, databaseName?: string): Promise<void> {
  const nc = await connect({ servers: TEST_NATS_URL });
  try {
    const jsm = await jetstreamManager(nc);
    const NS = namespace.toUpperCase();
    const doomed: string[] = [];
    for await (const si of jsm.streams.list()) {
      const name = si.config.name;
      if (name.startsWith(`${NS}_`) || name.startsWith(`KV_${namespace}_`) || name.startsWith(`OBJ_${namespace}_`)) {
        doomed.push(name);
      }
    }
    for (const name of doomed) await jsm.streams.delete(name).catch(() => undefined);
  } finally {
    await nc.close();
  }
  if (databaseName) {
    const admin = new Client({ connectionString: TEST_PG_ADMIN_URL });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  }
}

export async function testNats(): Promise<NatsConnection> {
  return connect({ servers: TEST_NATS_URL });
}

/** Polls `probe` until it returns a truthy value or the time runs out. */
export async function eventually<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 10_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
