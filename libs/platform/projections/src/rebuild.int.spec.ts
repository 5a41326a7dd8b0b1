import type { DataSource } from 'typeorm';
import type { StoredEvent } from '@immune/contracts';
import { openDataSource } from '@immune/platform-postgres';
import { asStoredEvents, generateAgentEventLog, migrate } from '@immune/read-models';
import { createTestEnv, type TestEnv } from '@immune/testing';
import { decodeStoredEvent } from './decode-event';
import { ProjectionRunner } from './projection-runner';
import { rebuild } from './rebuild';
import { dumpProjectionTables } from './table-dump';


describe('rebuild', () => {
  let env: TestEnv;
  let ds: DataSource;
  const log = asStoredEvents(generateAgentEventLog({ namespace: 'spec', events: 4000, seed: 5 }));
  const schema = (suffix: string) => `${env.namespace}_${suffix}`;

  async function freshSchema(suffix: string): Promise<string> {
    await migrate({ databaseUrl: env.databaseUrl, namespace: schema(suffix) });
    return schema(suffix);
  }

  async function live(events: readonly StoredEvent[], suffix: string): Promise<string> {
    const s = await freshSchema(suffix);
    const runner = new ProjectionRunner({ dataSource: ds, schema: s });
    for (let i = 0; i < events.length; i += 250) await runner.apply(events.slice(i, i + 250));
    return s;
  }

  async function indexes(s: string): Promise<string[]> {
    const rows = await ds.query<{ indexname: string; def: string }[]>(
      `SELECT indexname, replace(indexdef, $1, 'S.') AS def FROM pg_indexes WHERE schemaname = $2 AND tablename <> 'migrations' ORDER BY indexname`,
      [`${s}.`, s],
    );
    return rows.map((r) => `${r.indexname}: ${r.def}`);
  }

  async function constraints(s: string): Promise<string[]> {
    const rows = await ds.query<{ c: string }[]>(
      `SELECT conrelid::regclass::text || ' ' || conname || ' ' || contype::text AS c FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = $1 ORDER BY 1`,
      [s],
    );
    return rows.map((r) => r.c.replace(`${s}.`, ''));
  }

  beforeAll(async () => {
    env = await createTestEnv('rb');
    await migrate({ databaseUrl: env.databaseUrl, namespace: env.namespace });
    ds = await openDataSource({ databaseUrl: env.databaseUrl, schema: env.namespace, poolSize: 8 });
  });
  afterAll(async () => {
    await ds?.destroy();
    await env?.cleanup();
  });

  it('ends equal to what the live runner produces, row for row, with the same indexes and checkpoints', async () => {
    const liveSchema = await live(log, 'live');
    const rebuilt = await freshSchema('rebuilt');
    const indexesBefore = await indexes(rebuilt);
    const constraintsBefore = await constraints(rebuilt);
    const progress: number[] = [];
    const stats = await rebuild({ dataSource: ds, schema: rebuilt, source: log, lastSeq: log.length, onProgress: (done) => progress.push(done) });

    expect(stats).toMatchObject({ projections: ['agents', 'quarantines', 'report', 'events', 'escalations', 'posture', 'healing_log', 'healing_patterns', 'healing_agent_memory'], events: 4000, lastSeq: 4000, caughtUp: 0 });
    expect(stats.rows['events']).toBe(4000);
    expect(stats.rows['report']).toBe(1);
    // Every table of this log went in as COPY binary (times, integers, doubles, booleans, json and jsonb included).
    expect(stats.binaryTables).toEqual(stats.projections);
    expect(progress[progress.length - 1]).toBe(4000);
    const expected = await dumpProjectionTables(ds, liveSchema);
    const actual = await dumpProjectionTables(ds, rebuilt);
    expect(actual.checkpoints).toEqual({ agents: 4000, escalations: 4000, events: 4000, healing_agent_memory: 4000, healing_log: 4000, healing_patterns: 4000, posture: 4000, quarantines: 4000, report: 4000 });
    for (const table of Object.keys(expected.tables)) {
      expect(actual.tables[table]!.length).toBe(expected.tables[table]!.length);
      expect(actual.tables[table]).toEqual(expected.tables[table]);
    }
    expect(expected.tables['agents']!.length).toBeGreaterThan(100);
    expect(expected.tables['quarantines']!.length).toBeGreaterThan(500);
    // The swapped-in tables carry the live tables' indexes and constraints under the same names; no shadow is left.
    expect(await indexes(rebuilt)).toEqual(indexesBefore);
    expect(await constraints(rebuilt)).toEqual(constraintsBefore);
    const leftovers = await ds.query(`SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename LIKE '%rebuild%'`, [rebuilt]);
    expect(leftovers).toEqual([]);

    // Rebuilding again over the same log changes nothing.
    await rebuild({ dataSource: ds, schema: rebuilt, source: log, lastSeq: log.length });
    expect(await dumpProjectionTables(ds, rebuilt)).toEqual(expected);
    // The live runner carries on from swapped-in tables.
    const partial = await freshSchema('partial');
    await rebuild({ dataSource: ds, schema: partial, source: log.slice(0, 3000), lastSeq: 3000 });
    await new ProjectionRunner({ dataSource: ds, schema: partial }).apply(log.slice(3000));
    expect(await dumpProjectionTables(ds, partial)).toEqual(expected);
  });

  it('stores the archive\'s data as the message holds it, on both paths, and re-encodes what it cannot delimit', async () => {
    // Messages decoded as the projector and the rebuild decode them: data that our writer would not produce but
    // that is compact (kept as logged: number form, escapes, a duplicate key), and data with whitespace (encoded).
    const texts = log.slice(0, 3).map((e, i) => {
      const text = JSON.stringify({ ...e.envelope, data: { placeholder: i } });
      return i === 0
        ? text.replace('{"placeholder":0}', '{"n":1.50,"s":"\\u00e9\\\\","d":1,"d":2}')
        : i === 1
          ? text.replace('{"placeholder":1}', '{ "pretty": [1, 2] }')
          : text;
    });
    const events = texts.map((t, i) => decodeStoredEvent(i + 1, log[i]!.subject, t));
    expect(events[0]!.dataJson).toBe('{"n":1.50,"s":"\\u00e9\\\\","d":1,"d":2}');
    expect(events[1]!.dataJson).toBeUndefined();
    const data = async (s: string) => (await ds.query<{ d: string }[]>(`SELECT data::text AS d FROM "${s}".events ORDER BY seq`)).map((r) => r.d);
    const liveSchema = await live(events, 'rawlive');
    const rebuilt = await freshSchema('rawrebuilt');
    await rebuild({ dataSource: ds, schema: rebuilt, source: events, lastSeq: events.length });
    const stored = ['{"n":1.50,"s":"\\u00e9\\\\","d":1,"d":2}', '{"pretty":[1,2]}', '{"placeholder":2}'];
    expect(await data(liveSchema)).toEqual(stored);
    expect(await data(rebuilt)).toEqual(stored);
  });

  it('stores the archive\'s times as the live path does, though it COPYs them as binary microseconds', async () => {
    // The live path hands PostgreSQL the ISO text; the rebuild computes the microseconds itself (copy-binary.ts),
    // rounding a fraction past six digits as PostgreSQL does (half to even, on the double).
    const times = [
      '2026-01-05T16:22Z',
      '2026-01-05T16:22:05Z',
      '2026-01-05T16:22:05.9Z',
      '2026-01-05T16:22:05.949Z',
      '2026-01-05T16:22:05.123456Z',
      '2026-01-05T16:22:05.1234565Z',
      '2026-01-05T16:22:05.1234575Z',
      '2026-01-05T16:22:05.0000005Z',
      '2026-01-05T16:22:05.0000015Z',
      '2026-01-05T16:22:05.00000050Z',
      '2026-01-05T16:22:05.123456789Z',
      '2026-01-05T23:59:59.9999995Z',
      '2026-12-31T23:59:59.99999999+00:00',
      '2024-02-29T12:00:00.5+02:00',
      '2026-03-01T00:30:00-01:30',
      '1999-12-31T23:59:59.999999Z',
      '1969-07-20T20:17:40Z',
      '2300-01-01T00:00:00.000001Z',
      '1600-02-29T06:00:00.25-00:00',
    ];
    const events = times.map((occurredAt, i) => {
      const text = JSON.stringify({ ...log[i]!.envelope, occurredAt });
      return decodeStoredEvent(i + 1, log[i]!.subject, text);
    });
    const stored = async (s: string) =>
      (await ds.query<{ t: string }[]>(`SELECT (extract(epoch FROM occurred_at) * 1000000)::numeric::text AS t FROM "${s}".events ORDER BY seq`)).map((r) => r.t);
    const liveSchema = await live(events, 'timelive');
    const rebuilt = await freshSchema('timerebuilt');
    await rebuild({ dataSource: ds, schema: rebuilt, source: events, lastSeq: events.length });
    const expected = await stored(liveSchema);
    expect(expected).toHaveLength(times.length);
    expect(await stored(rebuilt)).toEqual(expected);
  });

  it('keeps the first row of an id stored twice or more, as the live runner does', async () => {
    // Retries stored again after the duplicate window: the same envelope under later sequences.
    const base = log.slice(0, 1500);
    const repeated = ['ChainCheckpointed', 'QuarantineNoteAdded', 'HealingActionFailed'].map((type) => base.find((e) => e.envelope.type === type)!);
    expect(repeated.every(Boolean)).toBe(true);
    const events: StoredEvent[] = [...base];
    for (const e of [repeated[0]!, repeated[1]!, repeated[2]!, repeated[0]!]) events.push({ ...e, seq: events.length + 1 });
    const liveSchema = await live(events, 'duplive');
    const rebuilt = await freshSchema('duprebuilt');
    const stats = await rebuild({ dataSource: ds, schema: rebuilt, source: events, lastSeq: events.length });

    expect(stats.rows['events']).toBe(1500);
    const firstSeqs = async (s: string) =>
      (await ds.query<{ seq: string }[]>(`SELECT seq FROM "${s}".events WHERE id = ANY($1) ORDER BY seq`, [repeated.map((e) => e.envelope.id)])).map((r) => Number(r.seq));
    expect(await firstSeqs(rebuilt)).toEqual(repeated.map((e) => e.seq).sort((a, b) => a - b));
    // The healing log is keyed by seq alone: there, as live, the repeated event is a row of its own.
    const expected = await dumpProjectionTables(ds, liveSchema);
    const again = await ds.query<{ n: string }[]>(`SELECT count(*) AS n FROM "${rebuilt}".healing_log WHERE seq = $1`, [events.length - 1]);
    expect(Number(again[0]!.n)).toBe(1);
    expect(stats.rows['healing_log']).toBe(expected.tables['healing_log']!.length);
    expect(await dumpProjectionTables(ds, rebuilt)).toEqual(expected);
  });

  it('rebuilds only the named projections and leaves the others alone', async () => {
    const s = await live(log.slice(0, 2000), 'named');
    const expected = await dumpProjectionTables(ds, s);
    await ds.query(`DELETE FROM "${s}".agents WHERE agent_id LIKE '%1'`);
    await ds.query(`UPDATE "${s}".report SET released = 0`);
    await ds.query(`DELETE FROM "${s}".events WHERE seq > 10`);
    const stats = await rebuild({ dataSource: ds, schema: s, source: log.slice(0, 2000), names: ['agents', 'report'], lastSeq: 2000 });
    expect(stats.projections).toEqual(['agents', 'report']);
    const after = await dumpProjectionTables(ds, s);
    expect(after.tables['agents']).toEqual(expected.tables['agents']);
    expect(after.tables['report']).toEqual(expected.tables['report']);
    expect(after.tables['quarantines']).toEqual(expected.tables['quarantines']);
    expect(after.tables['events']).toHaveLength(10);
    await expect(rebuild({ dataSource: ds, schema: s, source: [], names: ['nope'] })).rejects.toThrow(/unknown projection nope/);
  });

  it('catches up, under the lock, when the live projections moved on during the rebuild; fails cleanly without catchUp', async () => {
    const s = await live(log.slice(0, 3000), 'catchup');
    const expected = await dumpProjectionTables(ds, s);
    // The replay only got to 2500 (it started before the live projector applied the rest).
    await expect(rebuild({ dataSource: ds, schema: s, source: log.slice(0, 2500), lastSeq: 2500 })).rejects.toThrow(/moved to seq 3000/);
    expect(await dumpProjectionTables(ds, s)).toEqual(expected);
    expect(await ds.query(`SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename LIKE '%rebuild%'`, [s])).toEqual([]);

    const asked: [number, number][] = [];
    const stats = await rebuild({
      dataSource: ds,
      schema: s,
      source: log.slice(0, 2500),
      lastSeq: 2500,
      catchUp: (from, to) => {
        asked.push([from, to]);
        return log.slice(from - 1, to);
      },
    });
    expect(asked).toEqual([[2501, 3000]]);
    expect(stats).toMatchObject({ caughtUp: 500, lastSeq: 3000 });
    expect(await dumpProjectionTables(ds, s)).toEqual(expected);
  });

  it('readers keep working while the tables are swapped', async () => {
    const s = await live(log.slice(0, 1500), 'readers');
    let stop = false;
    const seen = new Set<number>();
    const errors: string[] = [];
    const reader = (async () => {
      while (!stop) {
        try {
          const r = await ds.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM "${s}".events`);
          seen.add(r[0]!.n);
        } catch (e) {
          errors.push(String(e));
        }
      }
    })();
    await rebuild({ dataSource: ds, schema: s, source: log.slice(0, 1500), lastSeq: 1500 });
    stop = true;
    await reader;
    expect(errors).toEqual([]);
    expect([...seen]).toEqual([1500]);
  });

  it('a failing source leaves the live tables as they were and no shadow behind', async () => {
    const s = await live(log.slice(0, 500), 'broken');
    const expected = await dumpProjectionTables(ds, s);
    async function* source(): AsyncGenerator<StoredEvent> {
      yield* log.slice(0, 200);
      throw new Error('stream went away');
    }
    await expect(rebuild({ dataSource: ds, schema: s, source: source() })).rejects.toThrow('stream went away');
    expect(await dumpProjectionTables(ds, s)).toEqual(expected);
    expect(await ds.query(`SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename LIKE '%rebuild%'`, [s])).toEqual([]);
  });
});
