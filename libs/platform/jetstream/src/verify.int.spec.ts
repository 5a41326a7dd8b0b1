import type { EventEnvelope } from '@immune/contracts';
import { ChainCheckpointer } from './chain-checkpointer';
import { sealEnvelope } from './hash-chain';
import { verifyStream } from './verify';
import type { RawMessage } from './stream-reader';
import { appendToAgent, copyLog, noted, specNamespace, type SpecNs } from './spec-helpers.spec';

const decode = (m: RawMessage) => JSON.parse(Buffer.from(m.data).toString('utf8')) as EventEnvelope;
const encode = (m: RawMessage, e: unknown): RawMessage => ({ ...m, data: new TextEncoder().encode(JSON.stringify(e)) });

/**
 * A real log, then tampered copies of it: each copy goes into a second fresh namespace with raw publishes
 * (deletion is denied on the real stream, so a copy is how an attacker with disk access would present it).
 */
describe('verifyStream (real NATS, tampered copies)', () => {
  let src: SpecNs;
  // Sequences of the source log, named for the edits below.
  const seq = { a1: 1, b1: 2, a2: 3, c1: 4, b2: 5, a3: 6, cp1: 7, a4: 8, b3: 9, cp2: 10, a5: 11 };
  const copies: SpecNs[] = [];
  const srcMessages: RawMessage[] = [];
  const decodeAt = (s: number): EventEnvelope => decode(srcMessages.find((m) => m.seq === s)!);

  beforeAll(async () => {
    src = await specNamespace();
    const cp = new ChainCheckpointer(src.nc, src.names, { everyEvents: 1000, intervalMs: 3_600_000 });
    await cp.start();
    for (const agent of ['a', 'b', 'a', 'c', 'b', 'a']) await appendToAgent(src.store, agent, [noted(1)]);
    await cp.checkpointNow();
    await appendToAgent(src.store, 'a', [noted(2)]);
    await appendToAgent(src.store, 'b', [noted(2)]);
    await cp.checkpointNow();
    await appendToAgent(src.store, 'a', [noted(3)]);
    await cp.stop();
    for await (const m of src.store.readStreamRaw()) srcMessages.push(m);
  });
  afterAll(async () => {
    await Promise.all(copies.map((c) => c.cleanup()));
    await src.cleanup();
  });

  async function tampered(edit: (all: RawMessage[]) => RawMessage[]) {
    const copy = await specNamespace();
    copies.push(copy);
    await copyLog(src, copy, edit);
    return verifyStream(copy.nc, copy.names);
  }

  it('accepts the real log and an untouched copy', async () => {
    const info = await src.jsm.streams.info(src.names.eventsStream);
    expect(info.state.last_seq).toBe(seq.a5);
    expect(await verifyStream(src.nc, src.names)).toEqual({ valid: true, checked: 11, checkpoints: 2 });
    expect(await tampered((all) => all)).toEqual({ valid: true, checked: 11, checkpoints: 2 });
  });

  it('detects a modified event (a field changed, the old hash kept)', async () => {
    const r = await tampered((all) => all.map((m) => (m.seq === seq.b2 ? encode(m, { ...decode(m), actor: 'mallory' }) : m)));
    expect(r).toMatchObject({ valid: false, checked: seq.b2 - 1, brokenAt: { seq: seq.b2, subject: expect.stringMatching(/\.events\.agent\.b$/) } });
    expect(r.brokenAt!.eventId).toBe(decodeAt(seq.b2).id);
    expect(r.brokenAt!.reason).toMatch(/hash mismatch/);
  });

  it('detects a forged event (hash recomputed, prevHash wrong)', async () => {
    const r = await tampered((all) =>
      all.map((m) => {
        if (m.seq !== seq.a3) return m;
        const { hash: _h, ...rest } = decode(m);
        return encode(m, sealEnvelope({ ...rest, data: { note: 'forged' }, prevHash: '0'.repeat(64) }));
      }),
    );
    expect(r.brokenAt).toMatchObject({ seq: seq.a3 });
    expect(r.brokenAt!.reason).toMatch(/prevHash mismatch/);
  });

  it('detects a reordered pair of one aggregate', async () => {
    const at = (all: RawMessage[], s: number) => all.find((m) => m.seq === s)!;
    const r = await tampered((all) => all.map((m) => (m.seq === seq.a2 ? at(all, seq.a3) : m.seq === seq.a3 ? at(all, seq.a2) : m)));
    expect(r).toMatchObject({ valid: false, brokenAt: { seq: seq.a2, eventId: decodeAt(seq.a3).id } });
    expect(r.brokenAt!.reason).toMatch(/prevHash mismatch/);
  });

  it('accepts a swap of two adjacent events of different aggregates (chains are per aggregate: a documented limit)', async () => {
    const at = (all: RawMessage[], s: number) => all.find((m) => m.seq === s)!;
    const r = await tampered((all) => all.map((m) => (m.seq === seq.b1 ? at(all, seq.a2) : m.seq === seq.a2 ? at(all, seq.b1) : m)));
    expect(r.valid).toBe(true);
  });

  it('detects a removed middle event', async () => {
    const r = await tampered((all) => all.filter((m) => m.seq !== seq.a2));
    // a3 (stored one sequence earlier in the copy) no longer links to its predecessor.
    expect(r.brokenAt).toMatchObject({ seq: seq.a3 - 1, eventId: decodeAt(seq.a3).id });
    expect(r.brokenAt!.reason).toMatch(/prevHash mismatch/);
  });

  it('detects a removed tail through the checkpoint', async () => {
    // b3 is b's last event before the second checkpoint: no later b event would notice it missing.
    const r = await tampered((all) => all.filter((m) => m.seq !== seq.b3));
    expect(r).toMatchObject({ valid: false, checkpoints: 1, brokenAt: { seq: seq.cp2 - 1, eventId: decodeAt(seq.cp2).id } });
    expect(r.brokenAt!.reason).toMatch(/removed events/);
    // And a removed aggregate (c has a single event) before the first checkpoint.
    const noC = await tampered((all) => all.filter((m) => m.seq !== seq.c1));
    expect(noC).toMatchObject({ valid: false, checkpoints: 0, brokenAt: { seq: seq.cp1 - 1 } });
    expect(noC.brokenAt!.reason).toMatch(/removed events/);
  });
});
