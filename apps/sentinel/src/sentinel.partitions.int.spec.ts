import type { NatsConnection } from '@nats-io/transport-node';
import { names as namesOf, type Names } from '@immune/contracts';
import { destroyNamespace, eventually, freshNamespace, testNats } from '@immune/testing';
import { CommandRecorder, publishRounds, rng, sleep, startSentinel, streamEnd } from './spec-helpers.spec';
import type { SentinelService } from './sentinel.service';

const ALL = Array.from({ length: 16 }, (_, i) => i);
const agents = Array.from({ length: 64 }, (_, i) => `agent-${i}`);

describe('sentinel: partitions shared by instances', () => {
  let ns: string;
  let names: Names;
  let nc: NatsConnection;
  let a: SentinelService;
  let b: SentinelService;
  let c: SentinelService;
  const commands = new CommandRecorder();
  const random = rng(7);
  let published = 0;

  beforeAll(async () => {
    ns = freshNamespace('senp');
    names = namesOf(ns);
    nc = await testNats();
    commands.start(nc, names);
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await c?.stop();
    commands.stop();
    await nc.close();
    await destroyNamespace(ns);
  });

  const scored = () => a.stats.scored + b.stats.scored;

  it('splits 16 partitions between two instances with no overlap, scoring every vital exactly once through the hand-over', async () => {
    ({ sentinel: a } = await startSentinel(ns, { instanceId: 'sentinel-a' }));
    expect(a.stats.partitions).toEqual(ALL);
    published += await publishRounds(nc, names, agents, 20, random);

    // B starts while vitals keep coming: A hands half of its partitions over (snapshot, release), B takes them.
    const publishing = (async () => {
      for (let i = 0; i < 40; i++) published += await publishRounds(nc, names, agents, 1, random, () => ({}), 150);
    })();
    ({ sentinel: b } = await startSentinel(ns, { instanceId: 'sentinel-b' }));
    await eventually(async () => a.stats.partitions.length === 8 && b.stats.partitions.length === 8, 15_000);
    await publishing;
    const pa = a.stats.partitions;
    const pb = b.stats.partitions;
    expect(pa.filter((p) => pb.includes(p))).toEqual([]);
    expect([...pa, ...pb].sort((x, y) => x - y)).toEqual(ALL);

    published += await publishRounds(nc, names, agents, 10, random);
    const end = await streamEnd(nc, names);
    await eventually(async () => a.stats.position >= end && b.stats.position >= end && scored() >= published, 10_000);
    await sleep(500);
    expect(scored()).toBe(published);
    expect(a.stats.agents + b.stats.agents).toBe(agents.length);
    // Each agent lives in exactly one instance.
    for (const id of agents) expect([a.describeAgent(id), b.describeAgent(id)].filter(Boolean)).toHaveLength(1);
    expect(commands.requests).toHaveLength(0);
  });

  it('gives every partition to the survivor when one instance stops, still scoring each vital once, without a new warm-up', async () => {
    const stoppedAt = Date.now();
    await a.stop();
    await eventually(async () => b.stats.partitions.length === 16, 15_000);
    expect(Date.now() - stoppedAt).toBeLessThan(15_000);

    published += await publishRounds(nc, names, agents, 5, random);
    const end = await streamEnd(nc, names);
    await eventually(async () => b.stats.position >= end && scored() >= published, 10_000);
    await sleep(500);
    expect(scored()).toBe(published);
    expect(b.stats.agents).toBe(agents.length);
    for (const id of agents) expect(b.describeAgent(id)?.baseline.samples).toBe(75);
  });

  it('takes over the partitions of a crashed instance once their leases expire, continuing from its last snapshot', async () => {
    ({ sentinel: c } = await startSentinel(ns, { instanceId: 'sentinel-c' }));
    await eventually(async () => b.stats.partitions.length === 8 && c.stats.partitions.length === 8, 15_000);
    published += await publishRounds(nc, names, agents, 5, random);
    await sleep(6000); // C persists its snapshot (every 5 s)
    published += await publishRounds(nc, names, agents, 3, random);
    const end = await streamEnd(nc, names);
    await eventually(async () => c.stats.position >= end, 5000);

    // A crash: the connection goes, nothing is released. B waits for the leases to expire (10 s), then replays
    // C's partitions from C's last progress on C's snapshots.
    const crashedAt = Date.now();
    await (c as unknown as { ctx: { nc: NatsConnection } }).ctx.nc.close();
    await eventually(async () => b.stats.partitions.length === 16, 20_000, 200);
    expect(Date.now() - crashedAt).toBeLessThan(16_000);
    expect(c.stats.partitions).toEqual([]);

    published += await publishRounds(nc, names, agents, 2, random);
    const last = await streamEnd(nc, names);
    await eventually(async () => b.stats.position >= last, 10_000);
    // Each vital entered each baseline once: 75 + 5 + 3 + 2 rounds.
    for (const id of agents) expect(b.describeAgent(id)?.baseline.samples).toBe(85);
  });
});
