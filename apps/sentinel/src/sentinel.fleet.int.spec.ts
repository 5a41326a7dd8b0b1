import type { NatsConnection } from '@nats-io/transport-node';
import { names as namesOf, type Names } from '@immune/contracts';
import { partitionOf } from '@immune/platform-partitions';
import { destroyNamespace, eventually, freshNamespace, testNats } from '@immune/testing';
import { CommandRecorder, publishRounds, rng, sleep, startSentinel, streamEnd, type RecordingLog } from './spec-helpers.spec';
import type { SentinelService } from './sentinel.service';

const agents = Array.from({ length: 12 }, (_, i) => `fleet-${i}`);

/**
 * Two instances, agents on both: an anomaly one instance sees reaches the other, and each counts the other's
 * agents with a baseline. An infection is judged at the end of its scoring batch, once the other instance has
 * scored as far: isolated (no other agent showed the same anomaly type in the window) it is sent at once;
 * shared, it waits `correlationDelayMs` (1 s) for the anomalies of agents spiking at the same moment. Known
 * race: an agent whose spike starts later than that after the first one's is judged before the fleet-wide
 * picture exists, and is quarantined (enforce: true). Such a spread never occurs here: the agents spike in the
 * same rounds.
 */
describe('sentinel: fleet correlation across instances', () => {
  let ns: string;
  let names: Names;
  let nc: NatsConnection;
  let a: SentinelService;
  let b: SentinelService;
  let logA: RecordingLog;
  let logB: RecordingLog;
  const commands = new CommandRecorder();
  const random = rng(11);

  beforeAll(async () => {
    ns = freshNamespace('senf');
    names = namesOf(ns);
    nc = await testNats();
    commands.start(nc, names);
    ({ sentinel: a, log: logA } = await startSentinel(ns, { instanceId: 'fleet-a' }));
    ({ sentinel: b, log: logB } = await startSentinel(ns, { instanceId: 'fleet-b' }));
    await eventually(async () => a.stats.partitions.length === 8 && b.stats.partitions.length === 8, 15_000);
    await publishRounds(nc, names, agents, 40, random);
    const end = await streamEnd(nc, names);
    await eventually(async () => a.stats.position >= end && b.stats.position >= end, 10_000);
    await eventually(async () => a.stats.fleetAgentsWithBaseline === 12 && b.stats.fleetAgentsWithBaseline === 12, 5000);
  });
  afterAll(async () => {
    await a.stop();
    await b.stop();
    commands.stop();
    await nc.close();
    await destroyNamespace(ns);
  });

  const onA = (id: string) => a.stats.partitions.includes(partitionOf(id, 16));

  it('records a latency spike on ≥ 30% of the fleet as fleet-wide (enforce false), quarantining none of them', async () => {
    // 5 of 12 (42%), taken from both instances.
    const spikers = [...agents.filter(onA).slice(0, 3), ...agents.filter((id) => !onA(id)).slice(0, 2)];
    expect(spikers).toHaveLength(5);
    await publishRounds(nc, names, agents, 8, random, (id) => (spikers.includes(id) ? { latencyFactor: 5 } : {}), 100);
    await eventually(async () => commands.infections().length >= 5, 5000);
    await sleep(1500);

    const infections = commands.infections();
    expect(infections.map((r) => r.agentId).sort()).toEqual([...spikers].sort());
    for (const r of infections) {
      expect(r.command).toMatchObject({ type: 'ReportInfection', enforce: false, fleetWide: true });
      expect(r.command.anomalies.map((x) => x.type)).toContain('latency_spike');
    }
    const warnings = [...logA.lines, ...logB.lines].filter((l) => l.level === 'warn' && l.message.startsWith('fleet-wide latency_spike: threat confidence '));
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    // Shared anomalies: none was sent as isolated (each waited for the fleet's picture).
    expect(a.stats.infectionsIsolated + b.stats.infectionsIsolated).toBe(0);
  });

  it('adds an external_cause hypothesis when 15–30% of the fleet shows the same anomaly, and quarantines', async () => {
    const before = commands.infections().length;
    // 2 of 12 (17%), on a type the fleet-wide event above did not have.
    const spikers = [agents.filter(onA).at(-1)!, agents.filter((id) => !onA(id)).at(-1)!];
    await publishRounds(nc, names, agents, 6, random, (id) => (spikers.includes(id) ? { toolFactor: 5 } : {}), 100);
    await eventually(async () => commands.infections().length >= before + 2, 5000);
    await sleep(1200);

    const infections = commands.infections().slice(before);
    expect(infections.map((r) => r.agentId).sort()).toEqual([...spikers].sort());
    for (const r of infections) {
      expect(r.command).toMatchObject({ enforce: true, fleetWide: false });
      expect(r.command.anomalies.map((x) => x.type)).toContain('tool_explosion');
      expect(r.command.diagnoses[0]).toMatchObject({ hypothesis: 'infinite_loop' });
      expect(r.command.diagnoses.map((d) => d.hypothesis)).toContain('external_cause');
    }
    expect(a.stats.infectionsIsolated + b.stats.infectionsIsolated).toBe(0);
  });

  it('sends an isolated anomaly at once, enforced, without external_cause', async () => {
    const before = commands.infections().length;
    // One agent that spiked in neither test above, on an anomaly type no other agent has shown.
    const loner = (agents.filter(onA).slice(3, -1)[0] ?? agents.filter((id) => !onA(id)).slice(2, -1)[0])!;
    await publishRounds(nc, names, agents, 6, random, (id) => (id === loner ? { tokenFactor: 10 } : {}), 100);
    await eventually(async () => commands.infections().length >= before + 1, 5000);

    const infections = commands.infections().slice(before);
    expect(infections.map((r) => r.agentId)).toEqual([loner]);
    expect(infections[0]!.command).toMatchObject({ enforce: true, fleetWide: false });
    expect(infections[0]!.command.anomalies.map((x) => x.type)).toContain('input_token_spike');
    expect(infections[0]!.command.diagnoses.map((d) => d.hypothesis)).not.toContain('external_cause');
    expect(a.stats.infectionsIsolated + b.stats.infectionsIsolated).toBe(1);
  });
});
