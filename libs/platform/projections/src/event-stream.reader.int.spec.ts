import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { names as namesOf, type StoredEvent } from '@immune/contracts';
import { provisionEventStream } from '@immune/platform-jetstream';
import { generateAgentEventLog } from '@immune/read-models';
import { destroyNamespace, freshNamespace, TEST_NATS_URL, testNats } from '@immune/testing';
import type { PoisonEventError } from './decode-event';
import { readEventBatches, readEventStream } from './event-stream.reader';

describe.each([
  ['its own connection', false],
  ['nats.js', true],
])('readEventBatches (the stream read on a worker thread, deliveries through %s)', (_path, natsJsOnly) => {
  const namespace = freshNamespace('esr');
  const names = namesOf(namespace);
  const log = generateAgentEventLog({ namespace, events: 2500, seed: 3 });
  let nc: NatsConnection;

  beforeAll(async () => {
    nc = await testNats();
    await provisionEventStream(await jetstreamManager(nc), names);
    const js = jetstream(nc);
    for (let i = 0; i < log.length; i += 500) {
      await Promise.all(log.slice(i, i + 500).map((g) => js.publish(g.subject, JSON.stringify(g.envelope), { msgID: g.envelope.id })));
    }
    // Two messages the projections cannot use, at seqs 2501 and 2502, then one more event at 2503.
    await js.publish(names.eventSubject('agent', 'x'), 'not json');
    await js.publish(names.eventSubject('agent', 'x'), JSON.stringify({ ...log[0]!.envelope, id: 'poison', occurredAt: 'yesterday' }));
    await js.publish(log[1]!.subject, JSON.stringify({ ...log[1]!.envelope, id: 'last' }), { msgID: 'last' });
  });
  afterAll(async () => {
    await nc?.close();
    await destroyNamespace(namespace);
  });

  async function all(batches: AsyncIterable<Iterable<StoredEvent>>): Promise<{ events: StoredEvent[]; batches: number }> {
    const events: StoredEvent[] = [];
    let count = 0;
    for await (const batch of batches) {
      count++;
      for (const e of batch) events.push(e);
    }
    return { events, batches: count };
  }

  it('yields what readEventStream yields, in batches, and skips the same poison messages', async () => {
    const poison: number[] = [];
    const onPoison = (e: PoisonEventError) => poison.push(e.seq);
    const { events, batches } = await all(readEventBatches({ natsJsOnly, servers: [TEST_NATS_URL], stream: names.eventsStream, toSeq: 2503, batchSize: 400, onPoison }));
    expect(batches).toBe(7);
    expect(poison).toEqual([2501, 2502]);
    const expected: StoredEvent[] = [];
    for await (const e of readEventStream({ nc, stream: names.eventsStream, toSeq: 2503 })) expected.push(e);
    expect(events).toEqual(expected);
    expect(events.map((e) => e.seq)).toEqual([...Array.from({ length: 2500 }, (_, i) => i + 1), 2503]);
  });

  it('reads a range, and stops the worker when the reader stops early', async () => {
    const { events } = await all(readEventBatches({ natsJsOnly, servers: [TEST_NATS_URL], stream: names.eventsStream, fromSeq: 1001, toSeq: 1200, batchSize: 64 }));
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 200 }, (_, i) => 1001 + i));

    let taken = 0;
    for await (const batch of readEventBatches({ natsJsOnly, servers: [TEST_NATS_URL], stream: names.eventsStream, toSeq: 2500, batchSize: 100 })) {
      taken += [...batch].length;
      if (taken >= 300) break;
    }
    expect(taken).toBe(300);
    // The worker deleted its consumer on the way out.
    const consumers = await (await jetstreamManager(nc)).consumers.list(names.eventsStream).next();
    expect(consumers).toEqual([]);
  });

  it('carries on after where it was when its consumer disappears mid-read, and holds back while the reader is slow', async () => {
    const jsm = await jetstreamManager(nc);
    const seqs: number[] = [];
    let deleted = false;
    const restarts: number[] = [];
    // maxAhead is 64 batches: with batches of 10 and a slow reader the worker must hold flow control back.
    for await (const batch of readEventBatches({ natsJsOnly, servers: [TEST_NATS_URL], stream: names.eventsStream, toSeq: 2500, batchSize: 10, onRestart: (after) => restarts.push(after) })) {
      for (const e of batch) seqs.push(e.seq);
      if (!deleted && seqs.length >= 200) {
        deleted = true;
        for (const c of await jsm.consumers.list(names.eventsStream).next()) await jsm.consumers.delete(names.eventsStream, c.name);
      }
      if (seqs.length < 1000) await new Promise((r) => setTimeout(r, 2));
    }
    expect(deleted).toBe(true);
    // It did lose its consumer before the end (the server stops sending and the heartbeats stop) and started anew.
    expect(restarts).toHaveLength(1);
    expect(restarts[0]).toBeLessThan(2500);
    expect(seqs).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1));
    expect(await jsm.consumers.list(names.eventsStream).next()).toEqual([]);
  });

  it('fails, rather than ending early, when the stream cannot be read', async () => {
    await expect(all(readEventBatches({ natsJsOnly, servers: [TEST_NATS_URL], stream: 'NO_SUCH_STREAM', toSeq: 10 }))).rejects.toThrow(/reading NO_SUCH_STREAM/);
  });
});
