import { Registry } from 'prom-client';
import type { StoredEvent } from '@immune/contracts';
import { eventually } from '@immune/testing';
import { ConsumerLoop, decodeEvent, deadLetterSubject, defaultBackoffMs, runConsumer, type DeadLetterNotice, type LoopLogger } from './consumer-loop';
import { appendToAgent, noted, specNamespace, type SpecNs } from './spec-helpers';

const quiet: LoopLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('ConsumerLoop (real NATS)', () => {
  let t: SpecNs;
  const loops: ConsumerLoop<unknown>[] = [];
  beforeAll(async () => {
    t = await specNamespace();
  });
  afterAll(async () => {
    await Promise.all(loops.map((l) => l.stop()));
    await t.cleanup();
  });

  function track<T>(loop: ConsumerLoop<T>): ConsumerLoop<T> {
    loops.push(loop as ConsumerLoop<unknown>);
    return loop;
  }

  function deadLetters(consumer: string): DeadLetterNotice[] {
    const got: DeadLetterNotice[] = [];
    t.nc.subscribe(deadLetterSubject(t.names, consumer), { callback: (_e, m) => got.push(m.json<DeadLetterNotice>()) });
    return got;
  }

  it('acks each handled message', async () => {
    await appendToAgent(t.store, 'ack', [noted(1), noted(2), noted(3)]);
    const seen: StoredEvent[] = [];
    const loop = track(
      await runConsumer({
        nc: t.nc,
        names: t.names,
        stream: t.names.eventsStream,
        durable: 'ack_ok',
        filterSubject: t.names.agentEvents('ack'),
        decode: decodeEvent,
        fetchExpiresMs: 1000,
        logger: quiet,
        onMessage: (m) => {
          seen.push(m.value);
        },
      }),
    );
    await eventually(async () => loop.stats.processed === 3);
    expect(seen.map((e) => e.envelope.data)).toEqual([1, 2, 3].map((n) => noted(n).data));
    await eventually(async () => {
      const ci = await t.jsm.consumers.info(t.names.eventsStream, 'ack_ok');
      return ci.num_ack_pending === 0 && ci.num_pending === 0;
    });
    // Restarting the durable does not redeliver what was acked.
    await loop.stop();
    const again = track(
      await runConsumer({ nc: t.nc, names: t.names, stream: t.names.eventsStream, durable: 'ack_ok', filterSubject: t.names.agentEvents('ack'), decode: decodeEvent, fetchExpiresMs: 1000, logger: quiet, onMessage: () => undefined }),
    );
    await appendToAgent(t.store, 'ack', [noted(4)]);
    await eventually(async () => again.stats.processed === 1);
  });

  it('naks a failure with backoff and succeeds on redelivery', async () => {
    const r = await appendToAgent(t.store, 'flaky', [noted(1)]);
    const deliveries: { count: number; at: number }[] = [];
    const loop = track(
      await runConsumer({
        nc: t.nc,
        names: t.names,
        stream: t.names.eventsStream,
        durable: 'flaky',
        filterSubject: t.names.agentEvents('flaky'),
        decode: decodeEvent,
        fetchExpiresMs: 1000,
        logger: quiet,
        onMessage: (m) => {
          deliveries.push({ count: m.deliveryCount, at: Date.now() });
          if (m.deliveryCount < 3) throw new Error('transient');
        },
      }),
    );
    await eventually(async () => loop.stats.processed === 1);
    expect(deliveries.map((d) => d.count)).toEqual([1, 2, 3]);
    // 100 ms then 200 ms of backoff (allow scheduling slack below).
    expect(deliveries[1]!.at - deliveries[0]!.at).toBeGreaterThanOrEqual(80);
    expect(deliveries[2]!.at - deliveries[1]!.at).toBeGreaterThanOrEqual(160);
    expect(loop.stats).toMatchObject({ processed: 1, failed: 2, terminated: 0 });
    expect(r.events).toHaveLength(1);
  });

  it('terminates and reports a message past maxDeliver', async () => {
    const registry = new Registry();
    const notices = deadLetters('doomed');
    const logged: object[] = [];
    const r = await appendToAgent(t.store, 'doomed', [noted(1)]);
    const loop = track(
      await runConsumer({
        nc: t.nc,
        names: t.names,
        stream: t.names.eventsStream,
        durable: 'doomed',
        filterSubject: t.names.agentEvents('doomed'),
        decode: decodeEvent,
        maxDeliver: 3,
        backoffMs: () => 20,
        fetchExpiresMs: 1000,
        registry,
        logger: { ...quiet, error: (f) => logged.push(f) },
        onMessage: () => {
          throw new Error('always broken');
        },
      }),
    );
    await eventually(async () => notices.length === 1);
    expect(notices[0]).toMatchObject({ consumer: 'doomed', seq: r.version, subject: t.names.agentEvents('doomed'), error: 'always broken', deliveries: 3 });
    expect(logged).toHaveLength(1);
    expect(loop.stats).toMatchObject({ processed: 0, failed: 3, terminated: 1 });
    expect(await registry.metrics()).toMatch(/immune_consumer_terminated_total\{consumer="doomed"\} 1/);
    const ci = await t.jsm.consumers.info(t.names.eventsStream, 'doomed');
    expect(ci.num_ack_pending).toBe(0);
  });

  it('terminates a poison message at once and goes on', async () => {
    const registry = new Registry();
    const notices = deadLetters('poison');
    await t.js.publish(t.names.agentEvents('poison'), '{not json');
    await appendToAgent(t.store, 'poison', [noted(1)]);
    const handled: number[] = [];
    const loop = track(
      await runConsumer({
        nc: t.nc,
        names: t.names,
        stream: t.names.eventsStream,
        durable: 'poison',
        filterSubject: t.names.agentEvents('poison'),
        decode: decodeEvent,
        fetchExpiresMs: 1000,
        registry,
        logger: quiet,
        onMessage: (m) => {
          handled.push(m.seq);
        },
      }),
    );
    await eventually(async () => notices.length === 1 && loop.stats.processed === 1);
    expect(notices[0]).toMatchObject({ deliveries: 1 });
    expect(notices[0]!.error).toMatch(/^poison message/);
    expect(handled).toHaveLength(1);
  });

  it('hands whole batches to a batch handler, naks a failed batch and keeps stream order', async () => {
    const agents = Array.from({ length: 6 }, (_, i) => `bulk${i}`);
    for (const a of agents) await appendToAgent(t.store, a, Array.from({ length: 100 }, (_, i) => noted(i)));
    const committed: number[] = [];
    const sizes: number[] = [];
    let failOnce = true;
    const loop = track(
      await runConsumer({
        nc: t.nc,
        names: t.names,
        stream: t.names.eventsStream,
        durable: 'projector_like',
        filterSubject: `${t.ns}.events.agent.*`,
        decode: decodeEvent,
        batchSize: 256,
        fetchExpiresMs: 1000,
        logger: quiet,
        onBatch: (batch) => {
          sizes.push(batch.length);
          if (failOnce && batch.some((m) => m.value.envelope.aggregateId === 'bulk3')) {
            failOnce = false;
            throw new Error('transaction rolled back');
          }
          committed.push(...batch.map((m) => m.seq));
        },
      }),
    );
    const total = (await t.jsm.consumers.info(t.names.eventsStream, 'projector_like')).num_pending + loop.stats.processed + loop.stats.failed;
    await eventually(async () => committed.length >= total - loop.stats.terminated && loop.stats.failed > 0, 15_000);
    await eventually(async () => (await t.jsm.consumers.info(t.names.eventsStream, 'projector_like')).num_ack_pending === 0);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(256);
    expect(sizes.some((s) => s > 1)).toBe(true);
    // Every message committed once, in stream order, despite the failed batch.
    expect(committed).toEqual([...committed].sort((a, b) => a - b));
    expect(new Set(committed).size).toBe(committed.length);
    expect(loop.stats.batches).toBeGreaterThan(1);
  });

  it('pauses after the current batch and resumes', async () => {
    const seen: number[] = [];
    const loop = track(
      await runConsumer({
        nc: t.nc,
        names: t.names,
        stream: t.names.eventsStream,
        durable: 'pausable',
        filterSubject: t.names.agentEvents('pausable'),
        deliverFrom: 'new',
        decode: decodeEvent,
        fetchExpiresMs: 1000,
        logger: quiet,
        onBatch: (b) => {
          seen.push(...b.map((m) => m.seq));
        },
      }),
    );
    await appendToAgent(t.store, 'pausable', [noted(1)]);
    await eventually(async () => seen.length === 1);
    await loop.pause();
    expect(loop.isPaused).toBe(true);
    await appendToAgent(t.store, 'pausable', [noted(2), noted(3)]);
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toHaveLength(1);
    loop.resume();
    await eventually(async () => seen.length === 3);
    const started = Date.now();
    await loop.stop();
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('backs off exponentially up to 30 s', () => {
    expect([1, 2, 3, 4].map(defaultBackoffMs)).toEqual([100, 200, 400, 800]);
    expect(defaultBackoffMs(20)).toBe(30_000);
  });
});
