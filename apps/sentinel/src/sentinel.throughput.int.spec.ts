import type { NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { names as namesOf, type Names } from '@immune/contracts';
import { provisionAll } from '@immune/platform-jetstream';
import { destroyNamespace, eventually, freshNamespace, testNats } from '@immune/testing';
import { progressKey } from './baselines/baseline-store';
import { openSentinelBuckets } from './sentinel.buckets';
import { CommandRecorder, rng, startSentinel, vital } from './spec-helpers.spec';
import type { SentinelService } from './sentinel.service';

const VITALS = Number(process.env['SENTINEL_BENCH_VITALS'] || 200_000);
const AGENTS = Number(process.env['SENTINEL_BENCH_AGENTS'] || 5_000);

/**
 * One instance through NATS: the stream is filled first, then the instance takes every partition with
 * progress 0 (as after a hand-over) and scores the backlog. A regression guard only: Jest's sandbox runs the
 * scoring code several times slower than node does; `sentinel.bench.ts` measures outside it.
 */
describe('sentinel: scoring throughput of one instance', () => {
  let ns: string;
  let names: Names;
  let nc: NatsConnection;
  let sentinel: SentinelService | undefined;
  const commands = new CommandRecorder();

  beforeAll(async () => {
    ns = freshNamespace('sent');
    names = namesOf(ns);
    nc = await testNats();
    commands.start(nc, names);
    await provisionAll(nc, names);
    const random = rng(5);
    const bodies = Array.from({ length: AGENTS }, (_, i) => `bench-${i}`).map((id) => [names.vitals(id), vital(id, random)] as const);
    for (let i = 0; i < VITALS; i++) {
      const [subject, body] = bodies[i % AGENTS]!;
      nc.publish(subject, body);
      if (i % 5000 === 4999) await nc.flush();
    }
    await nc.flush();
    const jsm = await jetstreamManager(nc);
    await eventually(async () => (await jsm.streams.info(names.vitalsStream)).state.messages >= VITALS, 60_000, 200);
    const { baselines } = await openSentinelBuckets(nc, names);
    for (let p = 0; p < 16; p++) await baselines.put(progressKey(p), JSON.stringify({ lastSeq: 0, partitions: 16 }));
  });
  afterAll(async () => {
    await sentinel?.stop();
    commands.stop();
    await nc.close();
    await destroyNamespace(ns);
  });

  it(`scores ${VITALS} vitals of ${AGENTS} agents`, async () => {
    const startedAt = performance.now();
    ({ sentinel } = await startSentinel(ns));
    const s = sentinel;
    await eventually(async () => s.stats.position >= VITALS, 120_000, 20);
    const seconds = (performance.now() - startedAt) / 1000;
    const rate = Math.round(VITALS / seconds);
    process.stdout.write(`sentinel throughput under Jest: ${VITALS} vitals in ${seconds.toFixed(2)} s = ${rate} vitals/s (1 instance, through NATS, start-up included)\n`);
    expect(s.stats.scored).toBe(VITALS);
    expect(s.stats.agents).toBe(AGENTS);
    expect(rate).toBeGreaterThan(5000);
  });
});
