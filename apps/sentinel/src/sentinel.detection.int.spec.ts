import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import { names as namesOf, type Names } from '@immune/contracts';
import { destroyNamespace, eventually, freshNamespace, testNats } from '@immune/testing';
import { CommandRecorder, publishRounds, rng, sleep, startSentinel, streamEnd, type RecordingLog } from './spec-helpers.spec';
import type { SentinelService } from './sentinel.service';

describe('sentinel: detection on the real vitals stream', () => {
  let ns: string;
  let names: Names;
  let nc: NatsConnection;
  let sentinel: SentinelService;
  let log: RecordingLog;
  let status: KV;
  const commands = new CommandRecorder();
  const random = rng(42);

  beforeAll(async () => {
    ns = freshNamespace('sen');
    names = namesOf(ns);
    nc = await testNats();
    commands.start(nc, names);
    ({ sentinel, log } = await startSentinel(ns));
    status = await new Kvm(nc).open(names.statusBucket);
  });
  afterAll(async () => {
    await sentinel.stop();
    commands.stop();
    await nc.close();
    await destroyNamespace(ns);
  });

  const scoredUpTo = async (seq: number) => eventually(async () => sentinel.stats.position >= seq, 10_000);

  it('owns every partition alone', () => {
    expect(sentinel.stats.partitions).toEqual(Array.from({ length: 16 }, (_, i) => i));
  });

  it('sends exactly one ReportInfection within 2 s of a sustained 5× latency spike, and none for healthy agents with jitter', async () => {
    const agents = ['spiky-1', 'calm-1', 'calm-2', 'calm-3'];
    await publishRounds(nc, names, agents, 40, random);
    await scoredUpTo(await streamEnd(nc, names));
    expect(sentinel.describeAgent('spiky-1')?.baseline.warm).toBe(true);

    const spikeStartedAt = Date.now();
    const spiking = publishRounds(nc, names, agents, 20, random, (id) => (id === 'spiky-1' ? { latencyFactor: 5 } : {}), 100);
    const [first] = await eventually(async () => commands.infections('spiky-1').length > 0 && commands.infections('spiky-1'), 5000);
    expect(first!.receivedAt - spikeStartedAt).toBeLessThan(2000);
    process.stdout.write(`sentinel: ReportInfection ${first!.receivedAt - spikeStartedAt} ms after the spike started (an isolated anomaly: no fleet-correlation delay)\n`);
    await spiking;
    await sleep(1500);

    expect(commands.infections('spiky-1')).toHaveLength(1);
    expect(commands.requests.filter((r) => r.agentId.startsWith('calm-'))).toHaveLength(0);
    const request = first!;
    expect(request.commandId).toBe(`infection:spiky-1:${request.command.detectionId}`);
    expect(request).toMatchObject({ agentId: 'spiky-1', actor: 'sentinel' });
    const c = request.command;
    expect(c).toMatchObject({ type: 'ReportInfection', enforce: true, fleetWide: false, requiresApproval: true, severity: 'critical' });
    expect(c.quarantineId).toMatch(/^[0-9a-f-]{36}$/);
    expect(c.anomalies.map((a) => a.type)).toContain('latency_spike');
    expect(c.deviation).toBeGreaterThanOrEqual(6);
    expect(c.diagnoses[0]).toMatchObject({ hypothesis: 'tool_instability' });
    const forensic = c.forensic as { recentVitals: Array<{ latencyMs: number }>; baseline: { warm: boolean; samples: number }; diagnoses: unknown[] };
    expect(forensic.recentVitals).toHaveLength(10);
    expect(forensic.recentVitals.at(-1)!.latencyMs).toBeGreaterThan(4000);
    expect(forensic.baseline).toMatchObject({ warm: true });
    expect(forensic.baseline.samples).toBeGreaterThanOrEqual(40);
    expect(forensic.diagnoses).toEqual(c.diagnoses);
    // Held after the infection: it learns nothing from the spike.
    expect(sentinel.describeAgent('spiky-1')).toMatchObject({ held: true });
  });

  it('does not learn and sends nothing while the status KV says suspended; back to active it detects again', async () => {
    const agents = ['held-1', 'calm-4'];
    await publishRounds(nc, names, agents, 40, random);
    await scoredUpTo(await streamEnd(nc, names));
    await status.put('held-1', JSON.stringify({ status: 'suspended', restrictions: { toolsRevoked: true, autonomyReduced: true, replicationBlocked: true, networkRestricted: true, probation: false }, version: 7 }));
    await eventually(async () => sentinel.describeAgent('held-1')?.quarantined, 5000);
    const before = sentinel.describeAgent('held-1')!.baseline;

    await publishRounds(nc, names, agents, 10, random);
    await publishRounds(nc, names, agents, 10, random, (id) => (id === 'held-1' ? { latencyFactor: 5 } : {}), 50);
    await scoredUpTo(await streamEnd(nc, names));
    await sleep(1500);
    const after = sentinel.describeAgent('held-1')!.baseline;
    expect(after.samples).toBe(before.samples);
    expect(after.metrics.latencyMs).toEqual(before.metrics.latencyMs);
    expect(commands.infections('held-1')).toHaveLength(0);

    await status.put('held-1', JSON.stringify({ status: 'active', restrictions: { toolsRevoked: false, autonomyReduced: false, replicationBlocked: false, networkRestricted: false, probation: false }, version: 9 }));
    await eventually(async () => sentinel.describeAgent('held-1')?.quarantined === false, 5000);
    await publishRounds(nc, names, agents, 6, random, (id) => (id === 'held-1' ? { latencyFactor: 5 } : {}), 100);
    await eventually(async () => commands.infections('held-1').length === 1, 5000);
    expect(log.lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('applies detection settings from the config bucket and ignores invalid ones with a warning', async () => {
    const config = await new Kvm(nc).open(names.configBucket);
    await config.put('detection', JSON.stringify({ fleet: { anomalySigma: -1 } }));
    await eventually(async () => log.lines.some((l) => l.message === 'detection settings ignored: invalid'), 5000);
    await config.put('detection', JSON.stringify({ agentTypes: { tester: { warmupSamples: 5 } } }));
    await eventually(async () => log.lines.some((l) => l.message === 'detection settings applied'), 5000);
    await publishRounds(nc, names, ['typed-1'], 6, random, () => ({ agentType: 'tester' }));
    await scoredUpTo(await streamEnd(nc, names));
    expect(sentinel.describeAgent('typed-1')?.baseline.warm).toBe(true);
  });
});
