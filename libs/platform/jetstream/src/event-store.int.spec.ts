import { StorageType } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { Kvm } from '@nats-io/kv';
import { names as namesOf } from '@immune/contracts';
import { hashEnvelope } from './hash-chain';
import { ConcurrencyError, isConcurrencyError } from './errors';
import { provisionAll, provisionEventStream } from './provision';
import { appendToAgent, collect, noted, specNamespace, type SpecNs } from './spec-helpers.spec';
import { connectNats } from './connect';
import { spawn, spawnSync } from 'node:child_process';
import { freePort } from '@immune/testing';

describe('provisioning (real NATS)', () => {
  let t: SpecNs;
  beforeAll(async () => {
    t = await specNamespace();
  });
  afterAll(() => t.cleanup());

  it('is idempotent and safe when every service provisions at once', async () => {
    const results = await Promise.all([provisionAll(t.nc, t.names), provisionAll(t.nc, t.names), provisionAll(t.nc, t.names)]);
    for (const r of results) {
      expect(r.events.config.name).toBe(t.names.eventsStream);
      expect(r.status.constructor.name).toBeTruthy();
    }
    const ev = (await t.jsm.streams.info(t.names.eventsStream)).config;
    expect(ev).toMatchObject({
      subjects: [t.names.eventsWildcard],
      storage: StorageType.File,
      max_age: 0,
      max_msgs: -1,
      max_bytes: -1,
      deny_delete: true,
      deny_purge: true,
      discard: 'new',
      allow_rollup_hdrs: false,
      duplicate_window: nanos(120_000),
    });
    const vi = (await t.jsm.streams.info(t.names.vitalsStream)).config;
    expect(vi).toMatchObject({ subjects: [t.names.vitalsWildcard], storage: StorageType.File, max_age: nanos(24 * 3_600_000), discard: 'old' });
    const kv = await new Kvm(t.nc).open(t.names.statusBucket);
    expect((await kv.status()).history).toBe(1);
  });

  it('updates a drifted config back to the desired one', async () => {
    await t.jsm.streams.update(t.names.eventsStream, { duplicate_window: nanos(30_000) });
    await provisionEventStream(t.jsm, t.names);
    expect((await t.jsm.streams.info(t.names.eventsStream)).config.duplicate_window).toBe(nanos(120_000));
  });

  it('denies deleting or purging events', async () => {
    await appendToAgent(t.store, 'victim', [noted(1)]);
    await expect(t.jsm.streams.deleteMessage(t.names.eventsStream, 1)).rejects.toThrow(/not permitted/);
    await expect(t.jsm.streams.deleteMessage(t.names.eventsStream, 1, false)).rejects.toThrow(/not permitted/);
    await expect(t.jsm.streams.purge(t.names.eventsStream)).rejects.toThrow(/not permitted/);
    expect((await t.jsm.streams.info(t.names.eventsStream)).state.messages).toBe(1);
  });
});

describe('connectNats', () => {
  it('fails with one clear line when NATS is unreachable', async () => {
    await expect(connectNats(['nats://127.0.0.1:1'], 'spec')).rejects.toThrow(/^NATS is not reachable at nats:\/\/127\.0\.0\.1:1 .*nats-server -js/);
  });

  const natsServer = spawnSync('nats-server', ['--version']).status === 0 ? it : it.skip;
  natsServer('fails with one clear line when the server has no JetStream', async () => {
    const port = await freePort();
    const server = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    try {
      const url = `nats://127.0.0.1:${port}`;
      let err: unknown;
      for (let i = 0; i < 50; i++) {
        err = await connectNats([url], 'spec').then(
          (c) => c.nc.close(),
          (e: unknown) => e,
        );
        if (!(err instanceof Error && /not reachable/.test(err.message))) break;
        await new Promise((r) => setTimeout(r, 100)); // still starting
      }
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/^JetStream is not enabled on the NATS server at nats:\/\/127\.0\.0\.1:\d+ .*-js/);
      expect((err as Error).message).not.toMatch(/\n/);
    } finally {
      server.kill();
    }
  });

  it('connects and checks JetStream', async () => {
    const { nc, jsm } = await connectNats(['nats://127.0.0.1:4222'], 'spec');
    expect((await jsm.getAccountInfo()).limits).toBeDefined();
    await nc.close();
  });
});

describe('EventStore (real NATS)', () => {
  let t: SpecNs;
  beforeAll(async () => {
    t = await specNamespace();
  });
  afterAll(() => t.cleanup());

  it('reads an aggregate without events at once', async () => {
    const started = Date.now();
    expect(await t.store.readAggregate('agent', 'nobody')).toEqual({ events: [], version: 0, lastHash: null });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await t.store.lastOfSubject(t.names.agentEvents('nobody'))).toBeNull();
  });

  it('appends and reads back a hash-chained aggregate', async () => {
    const first = await t.store.append({
      aggregate: 'agent',
      aggregateId: 'a1',
      agentId: 'a1',
      events: [
        { type: 'AgentRegistered', data: { model: 'gpt', agentType: null, mcpServers: [] } },
        { type: 'QuarantineNoteAdded', data: { quarantineId: 'q', noteId: 'n', note: 'hello' } },
      ],
      expectedVersion: 0,
      prevHash: null,
      actor: 'spec',
      correlationId: 'corr-1',
      causationId: 'cmd-a1-1',
      now: '2024-05-01T10:00:00.000Z',
    });
    expect(first.duplicate).toBe(false);
    expect(first.events.map((e) => e.envelope.id)).toEqual(['cmd-a1-1:0', 'cmd-a1-1:1']);
    expect(first.version).toBe(first.events[1]!.seq);
    // Another aggregate in between: versions are stream sequences, not per-aggregate counters.
    await appendToAgent(t.store, 'other', [noted(1)]);
    const second = await appendToAgent(t.store, 'a1', [noted(2)]);

    const read = await t.store.readAggregate('agent', 'a1');
    expect(read.events.map((e) => e.seq)).toEqual([...first.events.map((e) => e.seq), second.events[0]!.seq]);
    expect(read.version).toBe(second.version);
    expect(read.lastHash).toBe(second.lastHash);
    const chain = read.events.map((e) => e.envelope);
    expect(chain[0]!.prevHash).toBeNull();
    for (let i = 1; i < chain.length; i++) expect(chain[i]!.prevHash).toBe(chain[i - 1]!.hash);
    for (const e of chain) expect(hashEnvelope(e)).toBe(e.hash);
    expect(chain[0]).toMatchObject({ schemaVersion: 1, aggregate: 'agent', aggregateId: 'a1', agentId: 'a1', actor: 'spec', correlationId: 'corr-1' });
    expect(read.events.every((e) => e.subject === t.names.agentEvents('a1'))).toBe(true);
  });

  it('lets exactly one of two concurrent appends at the same version win', async () => {
    const base = await appendToAgent(t.store, 'race', [noted(0)]);
    const attempt = (n: number) =>
      t.store.append({
        aggregate: 'agent',
        aggregateId: 'race',
        agentId: 'race',
        events: [noted(n)],
        expectedVersion: base.version,
        prevHash: base.lastHash,
        actor: 'spec',
        correlationId: `c${n}`,
        causationId: `race-cmd-${n}`,
        now: new Date().toISOString(),
      });
    const results = await Promise.allSettled([attempt(1), attempt(2)]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const err: unknown = lost[0]!.reason;
    expect(isConcurrencyError(err)).toBe(true);
    expect(err).toBeInstanceOf(ConcurrencyError);
    const ce = err as ConcurrencyError;
    expect(ce.expected).toBe(base.version);
    expect(ce.actual).toBe((won[0] as PromiseFulfilledResult<{ version: number }>).value.version);
    expect((await t.store.readAggregate('agent', 'race')).events).toHaveLength(2);
  });

  it('stores a retried command once (same causation id → same event ids → duplicate)', async () => {
    const params = {
      aggregate: 'agent' as const,
      aggregateId: 'retry',
      agentId: 'retry',
      events: [noted(1), noted(2)],
      expectedVersion: 0,
      prevHash: null,
      actor: 'spec',
      correlationId: 'corr',
      causationId: 'retry-cmd',
      now: '2024-05-01T10:00:00.000Z',
    };
    const first = await t.store.append(params);
    // The retry is decided again later (another clock): it must still resolve to what was stored the first time.
    const again = await t.store.append({ ...params, now: '2024-05-01T10:00:05.000Z' });
    expect(again.duplicate).toBe(true);
    expect(again.events.every((e) => e.duplicate)).toBe(true);
    expect(again.events.map((e) => e.seq)).toEqual(first.events.map((e) => e.seq));
    expect(again.lastHash).toBe(first.lastHash);
    expect(again.version).toBe(first.version);
    expect((await t.store.readAggregate('agent', 'retry')).events).toHaveLength(2);
  });

  it('reports a stale expected version as a ConcurrencyError with the actual version', async () => {
    const r = await appendToAgent(t.store, 'stale', [noted(1), noted(2)]);
    const err = await t.store
      .append({
        aggregate: 'agent',
        aggregateId: 'stale',
        events: [noted(3)],
        expectedVersion: r.events[0]!.seq,
        prevHash: r.events[0]!.envelope.hash,
        actor: 'spec',
        correlationId: 'x',
        causationId: 'stale-2',
        now: new Date().toISOString(),
      })
      .catch((e: unknown) => e);
    expect(isConcurrencyError(err)).toBe(true);
    expect(err).toMatchObject({ expected: r.events[0]!.seq, actual: r.version, index: 0 });
  });

  it('reads the stream in order, from a sequence, filtered, ending at the last sequence as of the call', async () => {
    const all = await collect(t.store.readStream());
    const info = await t.jsm.streams.info(t.names.eventsStream);
    expect(all.map((e) => e.seq)).toEqual(Array.from({ length: info.state.last_seq }, (_, i) => i + 1));
    const tail = await collect(t.store.readStream({ fromSeq: 3 }));
    expect(tail[0]!.seq).toBe(3);
    expect(tail).toHaveLength(all.length - 2);
    const onlyA1 = await collect(t.store.readStream({ filterSubject: t.names.agentEvents('a1') }));
    expect(onlyA1.map((e) => e.envelope.aggregateId)).toEqual(['a1', 'a1', 'a1']);
    expect(await collect(t.store.readStream({ fromSeq: info.state.last_seq + 1 }))).toEqual([]);
    expect(await collect(t.store.readStream({ filterSubject: t.names.agentEvents('nobody') }))).toEqual([]);

    // Appends racing with a read are not part of it.
    const reading = t.store.readStreamRaw();
    const firstMsg = await reading.next();
    await appendToAgent(t.store, 'late', [noted(1)]);
    const rest = await collect({ [Symbol.asyncIterator]: () => reading });
    expect(1 + rest.length).toBe(info.state.last_seq);
    expect(firstMsg.value).toMatchObject({ seq: 1 });
  });

  it('keeps namespaces apart', async () => {
    const other = namesOf(`${t.ns}x`);
    expect(other.eventsStream).not.toBe(t.names.eventsStream);
    await expect(t.jsm.streams.info(other.eventsStream)).rejects.toThrow(/not found/);
  });
});
