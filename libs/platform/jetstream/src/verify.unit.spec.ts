import type { ChainCheckpointedData, EventEnvelope } from '@immune/contracts';
import { headKey, headsHash, sealEnvelope } from './hash-chain';
import { verifyEventLog } from './verify';
import type { RawMessage } from './stream-reader';

const NS = 'vu';
const CP = `${NS}.events.checkpoint.chain`;

/** Builds a log in memory exactly as the EventStore and ChainCheckpointer would write it. */
class Log {
  readonly messages: { subject: string; envelope: EventEnvelope }[] = [];
  private readonly heads = new Map<string, string>();
  private readonly history: Map<string, string>[] = [];
  private n = 0;

  event(agent: string, data: unknown = { n: this.n }): this {
    const subject = `${NS}.events.agent.${agent}`;
    const envelope = this.seal('agent', agent, 'QuarantineNoteAdded', data, this.heads.get(subject) ?? null);
    this.heads.set(subject, envelope.hash);
    this.messages.push({ subject, envelope });
    // Heads are keyed without the namespace, as the checkpointer writes them.
    this.history[this.messages.length] = new Map([...this.heads].filter(([k]) => k !== CP).map(([k, h]) => [headKey(NS, k), h]));
    return this;
  }

  /** A checkpoint covering sequence `at` (default: the last message so far). */
  checkpoint(at = this.messages.length): this {
    const heads = this.history[at] ?? new Map<string, string>();
    const events = this.messages.slice(0, at).filter((m) => m.subject !== CP).length;
    const data: ChainCheckpointedData = { lastSequence: at, aggregates: heads.size, events, headsHash: headsHash(heads) };
    const envelope = this.seal('checkpoint', 'chain', 'ChainCheckpointed', data, this.heads.get(CP) ?? null);
    this.heads.set(CP, envelope.hash);
    this.messages.push({ subject: CP, envelope });
    this.history[this.messages.length] = this.history[this.messages.length - 1] ?? new Map();
    return this;
  }

  raw(edit: (ms: { subject: string; envelope: EventEnvelope }[]) => { subject: string; envelope: unknown }[] = (m) => m): RawMessage[] {
    return edit([...this.messages]).map((m, i) => ({ seq: i + 1, subject: m.subject, data: new TextEncoder().encode(JSON.stringify(m.envelope)) }));
  }

  private seal(aggregate: 'agent' | 'checkpoint', id: string, type: string, data: unknown, prevHash: string | null): EventEnvelope {
    this.n++;
    return sealEnvelope({
      schemaVersion: 1,
      id: `e${this.n}`,
      type,
      aggregate,
      aggregateId: id,
      occurredAt: new Date(Date.UTC(2024, 0, 1, 0, 0, this.n)).toISOString(),
      actor: 'spec',
      correlationId: 'c',
      causationId: `c${this.n}`,
      data,
      prevHash,
    });
  }
}

async function* iterate(ms: RawMessage[]): AsyncGenerator<RawMessage> {
  yield* ms;
}

/** Re-seals an envelope after a change: a forger who knows the hash rule. */
function reseal(e: EventEnvelope, patch: Partial<EventEnvelope>): EventEnvelope {
  const { hash: _old, ...rest } = { ...e, ...patch };
  return sealEnvelope(rest);
}

const verify = (ms: RawMessage[]) => verifyEventLog(iterate(ms), { ns: NS });

describe('verifyEventLog', () => {
  const log = new Log().event('a').event('b').event('a').event('c').checkpoint().event('a').event('b').checkpoint(6).event('c');

  it('accepts a clean log, including a checkpoint written after later events (covers an earlier sequence)', async () => {
    const all = log.raw();
    expect(await verify(all)).toEqual({ valid: true, checked: all.length, checkpoints: 2 });
    expect(await verify([])).toEqual({ valid: true, checked: 0, checkpoints: 0 });
  });

  it('derives the namespace from the subjects when not given, and verifies a copy in another namespace', async () => {
    expect((await verifyEventLog(iterate(log.raw()))).valid).toBe(true);
    const moved = log.raw().map((m) => ({ ...m, subject: m.subject.replace(/^vu\./, 'elsewhere.') }));
    expect(await verifyEventLog(iterate(moved))).toMatchObject({ valid: true, checkpoints: 2 });
  });

  it('names an edited event (hash no longer recomputes)', async () => {
    const r = await verify(log.raw((ms) => ms.map((m, i) => (i === 2 ? { ...m, envelope: { ...m.envelope, actor: 'mallory' } } : m))));
    expect(r).toMatchObject({ valid: false, checked: 2, brokenAt: { seq: 3, eventId: 'e3', subject: `${NS}.events.agent.a` } });
    expect(r.brokenAt!.reason).toMatch(/hash mismatch/);
  });

  it('names a forged event (valid hash, wrong prevHash)', async () => {
    const r = await verify(
      log.raw((ms) => ms.map((m, i) => (i === 2 ? { ...m, envelope: reseal(m.envelope, { prevHash: 'f'.repeat(64) }) } : m))),
    );
    expect(r.brokenAt).toMatchObject({ seq: 3, eventId: 'e3' });
    expect(r.brokenAt!.reason).toMatch(/prevHash mismatch/);
  });

  it('names a reordered pair of one aggregate', async () => {
    const r = await verify(log.raw((ms) => [ms[2]!, ms[1]!, ms[0]!, ...ms.slice(3)]));
    expect(r.brokenAt).toMatchObject({ seq: 1, eventId: 'e3' });
  });

  it('names a removed middle event at its successor', async () => {
    const r = await verify(log.raw((ms) => ms.filter((_, i) => i !== 0)));
    expect(r.brokenAt).toMatchObject({ seq: 2, eventId: 'e3' });
    expect(r.brokenAt!.reason).toMatch(/prevHash/);
  });

  it('catches a removed tail or aggregate through the checkpoint', async () => {
    // c has one event (seq 4) before the first checkpoint: removing it leaves every per-aggregate chain intact.
    const r = await verify(log.raw((ms) => ms.filter((_, i) => i !== 3)));
    expect(r).toMatchObject({ valid: false, brokenAt: { seq: 4, eventId: 'e5' } });
    expect(r.brokenAt!.reason).toMatch(/removed events/);
  });

  it('catches a removed aggregate even when the sequences still line up (counts and heads hash)', async () => {
    // Replace c's only event by a fresh aggregate d: the sequence stays, the heads at the checkpoint do not.
    const d = new Log().event('a').event('b').event('a').event('d');
    const r = await verify(log.raw((ms) => [...d.messages, ...ms.slice(4)]));
    expect(r.brokenAt).toMatchObject({ seq: 5 });
    expect(r.brokenAt!.reason).toMatch(/checkpoint mismatch: heads hash/);
  });

  it('catches a checkpoint whose event count disagrees', async () => {
    const r = await verify(
      log.raw((ms) =>
        ms.map((m, i) =>
          i === 4 ? { ...m, envelope: reseal(m.envelope, { data: { ...(m.envelope.data as ChainCheckpointedData), events: 3 } }) } : m,
        ),
      ),
    );
    expect(r.brokenAt!.reason).toMatch(/checkpoint mismatch: 3 events/);
  });

  it('names a gap in stream sequences', async () => {
    const ms = log.raw().filter((m) => m.seq !== 2);
    const r = await verify(ms);
    expect(r.brokenAt).toMatchObject({ seq: 3 });
    expect(r.brokenAt!.reason).toMatch(/removed events: stream sequence 2 missing/);
  });

  it('names malformed messages, wrong subjects, schema versions and duplicate ids', async () => {
    const junk = log.raw();
    junk[1] = { ...junk[1]!, data: new TextEncoder().encode('{nope') };
    expect((await verify(junk)).brokenAt).toMatchObject({ seq: 2, eventId: null, reason: 'not valid JSON' });

    const moved = log.raw();
    moved[1] = { ...moved[1]!, subject: `${NS}.events.agent.zzz` };
    expect((await verify(moved)).brokenAt!.reason).toMatch(/belongs on vu\.events\.agent\.b/);

    const v2 = await verify(log.raw((ms) => ms.map((m, i) => (i === 0 ? { ...m, envelope: reseal(m.envelope, { schemaVersion: 2 as 1 }) } : m))));
    expect(v2.brokenAt!.reason).toMatch(/schemaVersion 2/);

    const dup = new Log().event('a').event('b');
    const dupRaw = dup.raw((ms) => [ms[0]!, { ...ms[1]!, envelope: reseal(ms[1]!.envelope, { id: 'e1' }) }]);
    expect((await verify(dupRaw)).brokenAt!.reason).toMatch(/duplicate event id e1/);
  });
});
