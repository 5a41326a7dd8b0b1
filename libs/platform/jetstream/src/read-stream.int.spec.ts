import type { JetStreamClient } from '@nats-io/jetstream';
import { sealEnvelope } from './hash-chain';
import { verifyStream } from './verify';
import { specNamespace, type SpecNs } from './spec-helpers.spec';

// JETSTREAM_BENCH_EVENTS=200000 npx jest libs/platform/jetstream/src/read-stream  → prints the throughput.
const N = Number(process.env['JETSTREAM_BENCH_EVENTS'] || 20_000);
const AGENTS = 1000;

/** Fills the log fast: one wave of concurrent publishes per event index, so each aggregate stays in order. */
async function fill(js: JetStreamClient, t: SpecNs, n: number): Promise<void> {
  const heads = new Map<string, string | null>();
  const perAgent = Math.ceil(n / AGENTS);
  let written = 0;
  for (let k = 0; k < perAgent && written < n; k++) {
    const wave: Promise<unknown>[] = [];
    for (let a = 0; a < AGENTS && written < n; a++, written++) {
      const id = `agent${a}`;
      const e = sealEnvelope({
        schemaVersion: 1,
        id: `fill:${a}:${k}`,
        type: 'QuarantineNoteAdded',
        aggregate: 'agent',
        aggregateId: id,
        agentId: id,
        occurredAt: new Date(Date.UTC(2024, 0, 1) + written).toISOString(),
        actor: 'bench',
        correlationId: 'bench',
        causationId: `fill:${a}:${k}`,
        data: { quarantineId: 'q', noteId: `n${k}`, note: 'x'.repeat(200) },
        prevHash: heads.get(id) ?? null,
      });
      heads.set(id, e.hash);
      wave.push(js.publish(t.names.agentEvents(id), JSON.stringify(e)));
    }
    await Promise.all(wave);
  }
}

describe(`readStream over ${N} events (real NATS)`, () => {
  let t: SpecNs;
  beforeAll(async () => {
    t = await specNamespace();
    await fill(t.js, t, N);
  }, 300_000);
  afterAll(() => t.cleanup());

  it('reads the whole log in order, fast', async () => {
    const rate = (count: number, ms: number) => Math.round((count / ms) * 1000);
    let t0 = Date.now();
    let count = 0;
    let last = 0;
    for await (const m of t.store.readStreamRaw()) {
      if (m.seq !== last + 1) throw new Error(`out of order: ${m.seq} after ${last}`);
      last = m.seq;
      count++;
    }
    const rawMs = Date.now() - t0;
    expect(count).toBe(N);

    t0 = Date.now();
    count = 0;
    for await (const e of t.store.readStream()) if (e.envelope.schemaVersion === 1) count++;
    const parsedMs = Date.now() - t0;
    expect(count).toBe(N);

    t0 = Date.now();
    const v = await verifyStream(t.nc, t.names);
    const verifyMs = Date.now() - t0;
    expect(v).toEqual({ valid: true, checked: N, checkpoints: 0 });

    if (process.env['JETSTREAM_BENCH_EVENTS']) {
      process.stdout.write(
        `readStreamRaw ${N} msgs: ${rawMs} ms (${rate(N, rawMs)}/s); readStream (parsed): ${parsedMs} ms (${rate(N, parsedMs)}/s); ` +
          `verifyStream: ${verifyMs} ms (${rate(N, verifyMs)}/s)\n`,
      );
    }
    // A floor far below what it does, to catch a regression to one pull round trip per message.
    expect(rate(N, rawMs)).toBeGreaterThan(5000);
  }, 300_000);
});
