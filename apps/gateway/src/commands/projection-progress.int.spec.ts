import type { NatsConnection } from '@nats-io/transport-node';
import type { DataSource } from 'typeorm';
import { isImmuneError, names as namesOf, type Names } from '@immune/contracts';
import { createTestEnv, testNats, type TestEnv } from '@immune/testing';
import type { SqlRunner } from '../common/sql';
import { openMigratedDb } from '../int-db.spec-helper';
import { ProjectionProgress } from './projection-progress';

// Per-project testTimeout in jest.config.js does not reach hooks: database setup and cleanup need more than 5 s.

describe('ProjectionProgress', () => {
  let env: TestEnv;
  let ds: DataSource;
  let sql: SqlRunner;
  let nc: NatsConnection;
  let names: Names;

  beforeAll(async () => {
    env = await createTestEnv('gp');
    ({ ds, sql } = await openMigratedDb(env.env));
    nc = await testNats();
    names = namesOf(env.namespace);
  });
  afterAll(async () => {
    await nc?.close();
    await ds?.destroy();
    await env?.cleanup();
  });

  it('resolves on the projector\'s progress notice', async () => {
    // Polling far slower than the test, so only the notice can resolve it in time.
    const progress = new ProjectionProgress(nc, names, sql, 60_000);
    progress.start();
    await nc.flush();
    try {
      const waiting = progress.waitFor(5, 3_000);
      setTimeout(() => nc.publish(names.projectionProgress, JSON.stringify({ seq: 3 })), 20);
      setTimeout(() => nc.publish(names.projectionProgress, JSON.stringify({ seq: 6 })), 60);
      const started = Date.now();
      await waiting;
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(progress.seq).toBe(6);
      await expect(progress.waitFor(6)).resolves.toBeUndefined(); // already there
    } finally {
      progress.stop();
    }
  });

  it('falls back to polling min(last_seq) of the checkpoints when no notice arrives', async () => {
    const progress = new ProjectionProgress(nc, names, sql, 25); // not started: no subscription at all
    const table = `"${env.namespace}".projection_checkpoints`;
    // The migration seeds one row per projection; the slowest one decides.
    await sql.query(`UPDATE ${table} SET last_seq = 20`);
    await sql.query(`INSERT INTO ${table} (name, last_seq, updated_at) VALUES ('b', 8, now()) ON CONFLICT (name) DO UPDATE SET last_seq = 8`);
    const waiting = progress.waitFor(12, 3_000);
    setTimeout(() => void sql.query(`UPDATE ${table} SET last_seq = 15 WHERE name = 'b'`), 100);
    await waiting;
    expect(progress.seq).toBe(15);
  });

  it('does not poll PostgreSQL while notices keep the sequence moving', async () => {
    const statements: string[] = [];
    const counted: SqlRunner = { query: (text, params) => (statements.push(text), sql.query(text, params)) };
    const progress = new ProjectionProgress(nc, names, counted, 100);
    progress.start();
    await nc.flush();
    try {
      const waiting = progress.waitFor(30, 3_000);
      // A notice every 10 ms for 300 ms, each short of the sequence waited for until the last one.
      for (let seq = 1; seq <= 30; seq++) {
        nc.publish(names.projectionProgress, JSON.stringify({ seq }));
        await new Promise((r) => setTimeout(r, 10));
      }
      await waiting;
      expect(statements).toEqual([]);
      // With the notices gone quiet, a waiter is still answered by polling.
      const table = `"${env.namespace}".projection_checkpoints`;
      await sql.query(`UPDATE ${table} SET last_seq = 40`);
      await progress.waitFor(40, 3_000);
      expect(statements.length).toBeGreaterThan(0);
    } finally {
      progress.stop();
    }
  });

  it('times out with SERVICE.TIMEOUT when the read models stay behind', async () => {
    const progress = new ProjectionProgress(nc, names, sql, 25);
    const err = await progress.waitFor(1_000_000, 200).catch((e: unknown) => e);
    expect(isImmuneError(err) && err.code).toBe('SERVICE.TIMEOUT');
    expect(isImmuneError(err) && err.status).toBe(504);
  });
});
