import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { POSTURE_KEY, names as namesOf, type Names, type Profile } from '@immune/contracts';
import { destroyNamespace, eventually, freshNamespace, testNats } from '@immune/testing';
import { CommandRecorder, publishRounds, rng, sleep, startSentinel, streamEnd } from '../spec-helpers.spec';
import type { SentinelService } from '../sentinel.service';

describe('sentinel: the fleet posture takes effect', () => {
  let ns: string;
  let names: Names;
  let nc: NatsConnection;
  let sentinel: SentinelService;
  const commands = new CommandRecorder();
  const random = rng(7);

  const setPosture = async (current: Profile) => {
    const config = await new Kvm(nc).open(names.configBucket);
    await config.put(POSTURE_KEY, JSON.stringify({ current, baseline: current === 'observer' ? 'observer' : 'operator', version: 1, changedAt: null }));
    await sleep(200);
  };

  beforeAll(async () => {
    ns = freshNamespace('senp');
    names = namesOf(ns);
    nc = await testNats();
    commands.start(nc, names);
    ({ sentinel } = await startSentinel(ns));
  });
  afterAll(async () => {
    await sentinel.stop();
    commands.stop();
    await nc.close();
    await destroyNamespace(ns);
  });

  it('observer reports without enforcing; phoenix asks approval for every infection', async () => {
    const agents = ['watched', 'crisis', 'calm-1', 'calm-2'];
    await publishRounds(nc, names, agents, 40, random);
    await eventually(async () => sentinel.stats.position >= (await streamEnd(nc, names)), 10_000);

    await setPosture('observer');
    await publishRounds(nc, names, agents, 8, random, (id) => (id === 'watched' ? { latencyFactor: 5 } : {}), 100);
    const [observed] = await eventually(async () => commands.infections('watched').length > 0 && commands.infections('watched'), 5000);
    expect(observed!.command).toMatchObject({ type: 'ReportInfection', enforce: false, fleetWide: false });

    // A moderate shift (well below the 5σ that needs approval at operator) at phoenix still waits for approval.
    await setPosture('phoenix');
    await publishRounds(nc, names, agents, 12, random, (id) => (id === 'crisis' ? { latencyFactor: 1.21 } : {}), 100);
    const [crisis] = await eventually(async () => commands.infections('crisis').length > 0 && commands.infections('crisis'), 5000);
    process.stdout.write(`phoenix infection at ${crisis!.command.deviation.toFixed(2)}σ\n`);
    expect(crisis!.command.deviation).toBeLessThan(5);
    expect(crisis!.command).toMatchObject({ enforce: true, requiresApproval: true });
  });
});
