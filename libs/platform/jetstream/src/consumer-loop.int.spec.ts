import { Registry } from 'prom-client';
import type { StoredEvent } from '@immune/contracts';
import { eventually } from '@immune/testing';
import { ConsumerLoop, decodeEvent, deadLetterSubject, defaultBackoffMs, runConsumer, type DeadLetterNotice, type LoopLogger } from './consumer-loop';
import { appendToAgent, noted, specNamespace, type SpecNs } from './spec-helpers.spec';

const quiet: LoopLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
/** What every loop here shares: the namespace's connection and event stream, the event decoder, no log output. */
const on = (ns: SpecNs) => ({ nc: ns.nc, names: ns.names, stream: ns.names.eventsStream, decode: decodeEvent, logger: quiet });

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
    t.nc.subscribe(deadLetterSubject(t.names, consumer), { callback: (_e, m) => void got.push(m.json<DeadLetterNotice>()) });
    return got;
  }

  it('acks each handled message', async () => {
    await appendToAgent(t.store, 'ack', [noted(1), noted(2), noted(3)]);
    const seen: StoredEvent[] = [];
    const loop = track(
      await runConsumer({
        ...on(t),
        durable: 'ack_ok',
        filterSubject: t.names.agentEvents('ack'),
        fetchExpiresMs: 1000,
        onMessage: (m) => {
          expect(Math.abs(m.storedAtMs - Date.now())).toBeLessThan(60_000);
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
      await runConsumer({ ...on(t), durable: 'ack_ok', filterSubject: t.names.agentEvents('ack'), fetchExpiresMs: 1000, onMessage: () => undefined }),
    );
    await appendToAgent(t.store, 'ack', [noted(4)]);
    await eventually(async () => again.stats.processed === 1);
  });

  it('naks a failure with backoff and succeeds on redelivery', async () => {
    const r = await appendToAgent(t.store, 'flaky', [noted(1)]);
    const deliveries: { count: number; at: number }[] = [];
    const loop = track(
      await runConsumer({
        ...on(t),
        durable: 'flaky',
        filterSubject: t.names.agentEvents('flaky'),
        fetchExpiresMs: 1000,
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
        ...on(t),
        durable: 'doomed',
        filterSubject: t.names.agentEvents('doomed'),
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
    const before = await appendToAgent(t.store, 'poison', [noted(1)]);
    const junk = await t.js.publish(t.names.agentEvents('poison'), '{not json');
    await t.store.append({
      aggregate: 'agent',
      aggregateId: 'poison',
      events: [noted(2)],
      expectedVersion: junk.seq,
      prevHash: before.lastHash,
      actor: 'spec',
      correlationId: 'p',
      causationId: 'poison-2',
      now: new Date().toISOString(),
    });
    const handled: number[] = [];
    const loop = track(
      await runConsumer({
        ...on(t),
        durable: 'poison',
        filterSubject: t.names.agentEvents('poison'),
        fetchExpiresMs: 1000,
        registry,
        onMessage: (m) => {
          handled.push(m.seq);
        },
      }),
    );
    await eventually(async () => notices.length === 1 && loop.stats.processed === 2);
    expect(notices[0]).toMatchObject({ seq: junk.seq, deliveries: 1 });
    expect(notices[0]!.error).toMatch(/^poison message/);
    expect(handled).toEqual([before.version, junk.seq + 1]);
    expect(loop.stats.terminated).toBe(1);
  });

  describe('batch mode', () => {
    let b: SpecNs;
    const total = 600;
    beforeAll(async () => {
      b = await specNamespace();
      for (let a = 0; a < 6; a++) await appendToAgent(b.store, `bulk${a}`, Array.from({ length: total / 6 }, (_, i) => noted(i)));
    });
    afterAll(() => b.cleanup());

    const batchLoop = (durable: string, onBatch: (batch: { seq: number; deliveryCount: number; value: StoredEvent }[]) => void, extra: { batchRetry?: 'in-place' | 'nak' } = {}) =>
      runConsumer({
        ...on(b),
        durable,
        batchSize: 256,
        fetchExpiresMs: 1000,
        onBatch,
        ...extra,
      }).then(track);

    it('hands whole pulls to the handler, retries a failed batch in place and keeps stream order', async () => {
      const committed: number[] = [];
      const sizes: number[] = [];
      const retried: number[] = [];
      let failOnce = true;
      const loop = await batchLoop('projector_like', (batch) => {
        sizes.push(batch.length);
        if (batch[0]!.deliveryCount > 1) retried.push(batch[0]!.deliveryCount);
        if (failOnce && batch.some((m) => m.value.envelope.aggregateId === 'bulk3')) {
          failOnce = false;
          throw new Error('transaction rolled back');
        }
        committed.push(...batch.map((m) => m.seq));
      });
      await eventually(async () => committed.length === total, 15_000);
      await eventually(async () => (await b.jsm.consumers.info(b.names.eventsStream, 'projector_like')).num_ack_pending === 0);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(256);
      expect(sizes.some((n) => n > 1)).toBe(true);
      // Every event committed exactly once and in stream order, the failed batch included.
      expect(committed).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      expect(retried).toEqual([2]);
      expect(loop.stats).toMatchObject({ processed: total, terminated: 0 });
      expect(loop.stats.failed).toBeGreaterThan(0);
    });

    it('keeps a slow batch from being redelivered into the open pull (working() keep-alive)', async () => {
      const seen: number[] = [];
      let first = true;
      await runConsumer({
        ...on(b),
        durable: 'slow_batches',
        filterSubject: b.names.agentEvents('bulk0'),
        batchSize: 256, // more than there is: the pull stays open while the batch is handled
        ackWaitMs: 1000,
        fetchExpiresMs: 5000,
        onBatch: async (batch) => {
          seen.push(...batch.map((m) => m.seq));
          if (first) {
            first = false;
            await new Promise((r) => setTimeout(r, 2500)); // 2.5 × ack_wait
          }
        },
      }).then(track);
      await eventually(async () => seen.length >= total / 6, 15_000);
      await new Promise((r) => setTimeout(r, 500));
      expect(seen).toEqual(Array.from({ length: total / 6 }, (_, i) => i + 1));
    });

    it("with batchRetry 'nak' naks the failed batch with backoff and processes it on redelivery", async () => {
      const committed = new Set<number>();
      const redelivered: number[] = [];
      let failOnce = true;
      await batchLoop(
        'nak_batches',
        (batch) => {
          for (const m of batch) if (m.deliveryCount > 1) redelivered.push(m.seq);
          if (failOnce) {
            failOnce = false;
            throw new Error('transaction rolled back');
          }
          for (const m of batch) committed.add(m.seq);
        },
        { batchRetry: 'nak' },
      );
      await eventually(async () => committed.size === total, 15_000);
      expect(redelivered.length).toBeGreaterThan(0);
    });
  });

  it('pauses after the current batch and resumes', async () => {
    const seen: number[] = [];
    const loop = track(
      await runConsumer({
        ...on(t),
        durable: 'pausable',
        filterSubject: t.names.agentEvents('pausable'),
        deliverFrom: 'new',
        fetchExpiresMs: 1000,
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

  describe('under steady traffic', () => {
    let s: SpecNs;
    const mine: ConsumerLoop<unknown>[] = [];
    const own = <T>(loop: ConsumerLoop<T>): ConsumerLoop<T> => {
      mine.push(loop as ConsumerLoop<unknown>);
      return loop;
    };
    beforeAll(async () => {
      s = await specNamespace();
    });
    afterAll(async () => {
      await Promise.all(mine.map((l) => l.stop()));
      await s.cleanup();
    });

    /** Appends to `agents` round-robin, ~every 3 ms, for `ms`; resolves with when each sequence was appended. */
    async function steadyTraffic(agents: string[], ms: number): Promise<Map<number, number>> {
      const appendedAt = new Map<number, number>();
      const heads = new Map<string, { version: number; hash: string | null }>(agents.map((a) => [a, { version: 0, hash: null }]));
      const until = Date.now() + ms;
      for (let i = 0; Date.now() < until; i++) {
        const agentId = agents[i % agents.length]!;
        const head = heads.get(agentId)!;
        const r = await s.store.append({
          aggregate: 'agent',
          aggregateId: agentId,
          agentId,
          events: [noted(i)],
          expectedVersion: head.version,
          prevHash: head.hash,
          actor: 'spec',
          correlationId: `steady-${i}`,
          causationId: `steady-${i}`,
          now: new Date().toISOString(),
        });
        heads.set(agentId, { version: r.version, hash: r.lastHash });
        appendedAt.set(r.version, Date.now());
        await new Promise((r2) => setTimeout(r2, Math.random() * 5));
      }
      return appendedAt;
    }

    it('hands every message over in stream order, without waiting out the end of a pull', async () => {
      // Pulls expire every second while messages keep coming: NATS 2.9 sometimes ends such a pull without telling
      // the client (which then waited ~2 s for missed heartbeats). Three readers double the chances to meet it.
      const base = { ...on(s), batchSize: 500, fetchExpiresMs: 1000 };
      const handledAt = { one: new Map<number, number>(), batch: new Map<number, number>(), parallel: new Map<number, number>() };
      const order = { one: [] as number[], batch: [] as number[] };
      const subjectOrder = new Map<string, number[]>();
      own(await runConsumer({ ...base, durable: 'steady_one', onMessage: (m) => void (order.one.push(m.seq), handledAt.one.set(m.seq, Date.now())) }));
      own(
        await runConsumer({
          ...base,
          durable: 'steady_batch',
          batchLingerMs: 5,
          onBatch: (b) => {
            for (const m of b) {
              order.batch.push(m.seq);
              handledAt.batch.set(m.seq, Date.now());
            }
          },
        }),
      );
      own(
        await runConsumer({
          ...base,
          durable: 'steady_parallel',
          concurrency: 8,
          onMessage: async (m) => {
            await new Promise((r) => setTimeout(r, Math.random() * 4));
            subjectOrder.set(m.subject, [...(subjectOrder.get(m.subject) ?? []), m.seq]);
            handledAt.parallel.set(m.seq, Date.now());
          },
        }),
      );
      const appendedAt = await steadyTraffic(['s1', 's2', 's3', 's4'], 8_000);
      const all = [...appendedAt.keys()];
      await eventually(async () => Object.values(handledAt).every((h) => h.size === all.length), 10_000);
      expect(order.one).toEqual(all);
      expect(order.batch).toEqual(all);
      // In parallel, each subject's messages still one after another, in stream order.
      expect(subjectOrder.size).toBe(4);
      for (const seqs of subjectOrder.values()) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      // No message waited for a pull's silent end: each was handled well within a pull's lifetime of its append.
      for (const h of Object.values(handledAt)) {
        const worst = Math.max(...all.map((q) => h.get(q)! - appendedAt.get(q)!));
        expect(worst).toBeLessThan(700);
      }
    }, 30_000);

    it('with concurrency, handles several subjects at once but each subject one message at a time', async () => {
      const agents = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
      let running = 0;
      let most = 0;
      const busy = new Set<string>();
      let overlapOnSubject = false;
      const seen: number[] = [];
      const loop = own(
        await runConsumer({
          ...on(s),
          durable: 'parallel_limit',
          deliverFrom: 'new',
          fetchExpiresMs: 1000,
          concurrency: 4,
          onMessage: async (m) => {
            if (busy.has(m.subject)) overlapOnSubject = true;
            busy.add(m.subject);
            most = Math.max(most, ++running);
            await new Promise((r) => setTimeout(r, 150)); // long enough for messages to pile up behind
            running--;
            busy.delete(m.subject);
            seen.push(m.seq);
          },
        }),
      );
      for (const a of agents) await appendToAgent(s.store, a, [noted(1), noted(2), noted(3)]);
      await eventually(async () => loop.stats.processed === agents.length * 3, 10_000);
      expect(most).toBe(4);
      expect(overlapOnSubject).toBe(false);
      expect(seen).toHaveLength(18);
      await eventually(async () => (await s.jsm.consumers.info(s.names.eventsStream, 'parallel_limit')).num_ack_pending === 0);
    });
  });

  it('backs off exponentially up to 30 s', () => {
    expect([1, 2, 3, 4].map(defaultBackoffMs)).toEqual([100, 200, 400, 800]);
    expect(defaultBackoffMs(20)).toBe(30_000);
  });
});
