import type { NatsConnection } from '@nats-io/transport-node';
import { names as namesOf, type Names } from '@immune/contracts';
import { destroyNamespace, eventually, freshNamespace, testNats } from '@immune/testing';
import { CommandRecorder, publishRounds, rng, startSentinel, streamEnd } from './spec-helpers.spec';
import type { SentinelService } from './sentinel.service';

describe('sentinel: baselines survive a restart', () => {
  let ns: string;
  let names: Names;
  let nc: NatsConnection;
  let second: SentinelService | undefined;
  const commands = new CommandRecorder();
  const random = rng(3);

  beforeAll(async () => {
    ns = freshNamespace('senr');
    names = namesOf(ns);
    nc = await testNats();
    commands.start(nc, names);
  });
  afterAll(async () => {
    await second?.stop();
    commands.stop();
    await nc.close();
    await destroyNamespace(ns);
  });

  it('detects a spike right after a graceful restart, within 3 samples, with no new warm-up', async () => {
    const agents = ['restart-1', 'restart-2'];
    const { sentinel: first } = await startSentinel(ns);
    await publishRounds(nc, names, agents, 40, random);
    await eventually(async () => first.stats.position >= (await streamEnd(nc, names)), 10_000);
    const learned = first.describeAgent('restart-1')!.baseline;
    await first.stop(); // snapshot, then release the leases

    ({ sentinel: second } = await startSentinel(ns));
    const s = second;
    await eventually(async () => s.stats.partitions.length === 16, 5000);
    expect(s.describeAgent('restart-1')?.baseline).toEqual(learned);

    // Exactly three spiked samples, nothing more: the restored baseline must catch them.
    await publishRounds(nc, names, agents, 3, random, (id) => (id === 'restart-1' ? { latencyFactor: 5 } : {}), 100);
    const [infection] = await eventually(async () => commands.infections('restart-1').length > 0 && commands.infections('restart-1'), 5000);
    const forensic = infection!.command.forensic as { recentVitals: Array<{ latencyMs: number }>; baseline: { samples: number } };
    expect(forensic.recentVitals.filter((v) => v.latencyMs > 4000).length).toBeLessThanOrEqual(3);
    expect(forensic.baseline.samples).toBeGreaterThanOrEqual(40); // 40 restored + the spiked ones judged so far
    expect(infection!.command).toMatchObject({ enforce: true, fleetWide: false });
    expect(commands.infections('restart-2')).toHaveLength(0);
  });
});
