import type { ChainCheckpointedData } from '@immune/contracts';
import { eventually } from '@immune/testing';
import { ChainCheckpointer } from './chain-checkpointer';
import { headKey, headsHash } from './hash-chain';
import { verifyStream } from './verify';
import { appendToAgent, collect, noted, specNamespace, type SpecNs } from './spec-helpers.spec';

describe('ChainCheckpointer (real NATS)', () => {
  let t: SpecNs;
  const running: ChainCheckpointer[] = [];
  beforeAll(async () => {
    t = await specNamespace();
  });
  afterAll(async () => {
    await Promise.all(running.map((c) => c.stop()));
    await t.cleanup();
  });

  const start = async (opts: ConstructorParameters<typeof ChainCheckpointer>[2]) => {
    const c = new ChainCheckpointer(t.nc, t.names, opts);
    running.push(c);
    await c.start();
    return c;
  };

  const checkpoints = async () =>
    (await collect(t.store.readStream({ filterSubject: t.names.checkpointSubject }))).map((e) => ({ ...e, data: e.envelope.data as ChainCheckpointedData }));

  /** What a checkpoint at `lastSequence` must say, recomputed from the stream. */
  const expectedAt = async (lastSequence: number) => {
    const heads = new Map<string, string>();
    let events = 0;
    for await (const e of t.store.readStream({ untilSeq: lastSequence })) {
      if (e.subject === t.names.checkpointSubject) continue;
      heads.set(headKey(t.ns, e.subject), e.envelope.hash);
      events++;
    }
    return { lastSequence, aggregates: heads.size, events, headsHash: headsHash(heads) };
  };

  it('checkpoints every N events, each matching the log at its lastSequence, chained, and the log verifies', async () => {
    const cp = await start({ everyEvents: 10, intervalMs: 3_600_000 });
    for (let i = 0; i < 25; i++) await appendToAgent(t.store, `agent${i % 4}`, [noted(i)]);
    await eventually(async () => (await checkpoints()).length === 2);
    const written = await checkpoints();
    for (const w of written) expect(w.data).toEqual(await expectedAt(w.data.lastSequence));
    expect(written.map((w) => w.data.events)).toEqual([10, 20]);
    expect(written[0]!.envelope.prevHash).toBeNull();
    expect(written[1]!.envelope.prevHash).toBe(written[0]!.envelope.hash);
    expect(written.map((w) => w.envelope.type)).toEqual(['ChainCheckpointed', 'ChainCheckpointed']);
    expect(cp.status).toMatchObject({ events: 25, aggregates: 4 });
    expect(await verifyStream(t.nc, t.names)).toEqual({ valid: true, checked: 27, checkpoints: 2 });
  });

  it('checkpoints on the interval when events arrived, and not when none did', async () => {
    const before = (await checkpoints()).length;
    await start({ everyEvents: 1000, intervalMs: 300 });
    await appendToAgent(t.store, 'ticker', [noted(1)]);
    await eventually(async () => (await checkpoints()).length === before + 1);
    await new Promise((r) => setTimeout(r, 900));
    expect(await checkpoints()).toHaveLength(before + 1);
    const last = (await checkpoints()).at(-1)!;
    expect(last.data).toEqual(await expectedAt(last.data.lastSequence));
  });

  it('lets only one of two racing instances write a checkpoint, and a restarted one continues the chain', async () => {
    await Promise.all(running.splice(0).map((c) => c.stop()));
    const a = await start({ everyEvents: 1000, intervalMs: 3_600_000 });
    const b = await start({ everyEvents: 1000, intervalMs: 3_600_000 });
    await appendToAgent(t.store, 'race', [noted(1), noted(2)]);
    const before = (await checkpoints()).length;
    const [ra, rb] = await Promise.all([a.checkpointNow(), b.checkpointNow()]);
    const after = await checkpoints();
    expect(after).toHaveLength(before + 1);
    const seqs = [ra, rb].filter((r) => r !== null).map((r) => r!.seq);
    expect(new Set(seqs)).toEqual(new Set([after.at(-1)!.seq]));
    // Nothing new since: no further checkpoint.
    expect(await a.checkpointNow()).toBeNull();

    await a.stop();
    await b.stop();
    const c = await start({ everyEvents: 1000, intervalMs: 3_600_000 });
    await appendToAgent(t.store, 'after-restart', [noted(1)]);
    const written = await c.checkpointNow();
    expect(written!.envelope.prevHash).toBe(after.at(-1)!.envelope.hash);
    expect(written!.envelope.data).toEqual(await expectedAt((written!.envelope.data as ChainCheckpointedData).lastSequence));
    expect(await verifyStream(t.nc, t.names)).toMatchObject({ valid: true });
  });

  it('covers a sequence before events that raced with the checkpoint, and still verifies', async () => {
    const cp = await start({ everyEvents: 5, intervalMs: 3_600_000 });
    await Promise.all(Array.from({ length: 8 }, (_, i) => appendToAgent(t.store, `burst${i}`, Array.from({ length: 5 }, (_, j) => noted(j)))));
    await cp.checkpointNow();
    const all = await checkpoints();
    for (const w of all) expect(w.data).toEqual(await expectedAt(w.data.lastSequence));
    const r = await verifyStream(t.nc, t.names);
    expect(r).toMatchObject({ valid: true, checkpoints: all.length });
  });
});
