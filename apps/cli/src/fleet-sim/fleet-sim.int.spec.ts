import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { checkVital, names as namesOf, NO_RESTRICTIONS, type AgentChannelReply } from '@immune/contracts';
import { provisionStatusBucket, provisionVitalsStream } from '@immune/platform-jetstream';
import { destroyNamespace, eventually, freshNamespace, TEST_NATS_URL } from '@immune/testing';
import { DEFAULT_FLEET_OPTIONS, Fleet } from './fleet-sim.fleet';

// A few simulated agents against the real NATS, in a fresh namespace with the vitals stream and status bucket.
describe('fleet-sim against the real NATS', () => {
  const ns = freshNamespace('fleet');
  const names = namesOf(ns);
  let nc: NatsConnection;
  let kv: KV;
  const fleet = new Fleet({ ...DEFAULT_FLEET_OPTIONS, agents: 4, rate: 10, seed: 3, prefix: 'it', warmupSamples: 5 });
  const ask = async (agentId: string, commandId: string, action: string) =>
    (await nc.request(names.agentChannel(agentId), JSON.stringify({ commandId, action, params: {} }), { timeout: 5000 })).json<AgentChannelReply>();

  beforeAll(async () => {
    nc = await connect({ servers: TEST_NATS_URL });
    await provisionVitalsStream(await jetstreamManager(nc), names);
    kv = await provisionStatusBucket(nc, names);
    await fleet.start(nc, ns);
  });

  afterAll(async () => {
    await fleet.stop();
    await nc.close();
    await destroyNamespace(ns);
  });

  it('publishes valid vitals of several agent types on the subjects the vitals stream captures', async () => {
    const jsm = await jetstreamManager(nc);
    await eventually(async () => (await jsm.streams.info(names.vitalsStream)).state.messages >= 20);
    const first = (await jsm.streams.getMessage(names.vitalsStream, { seq: 1 }))!;
    const agentId = first.subject.split('.').pop()!;
    const checked = checkVital(first.json(), agentId, Date.now());
    expect(checked.ok).toBe(true);
    expect(fleet.agents.map((a) => a.agentId)).toContain(agentId);
    expect(new Set(fleet.agents.map((a) => a.profile.agentType)).size).toBe(4);
  });

  it('answers healing commands; only a curing action clears a fault', async () => {
    const agent = fleet.agents[1]!;
    agent.inject('memory_corruption', 'mild');
    const revoke = await ask(agent.agentId, 'c-1', 'revoke_tools');
    expect(revoke).toMatchObject({ commandId: 'c-1', ok: true });
    expect(agent.fault?.kind).toBe('memory_corruption');
    const reset = await ask(agent.agentId, 'c-2', 'reset_memory');
    expect(reset).toMatchObject({ commandId: 'c-2', ok: true });
    expect(agent.fault).toBeNull();
    expect(fleet.byAction.get('reset_memory')).toEqual({ received: 1, cured: 1 });
    expect(fleet.byFault.get('memory_corruption')!.cured).toBe(1);
    expect(await ask(agent.agentId, 'c-3', 'launch_missiles')).toMatchObject({ commandId: 'c-3', ok: false });
  });

  it('stops working while suspended and resumes when released; stops for good when terminated', async () => {
    const agent = fleet.agents[2]!;
    await kv.put(agent.agentId, JSON.stringify({ status: 'suspended', restrictions: { ...NO_RESTRICTIONS }, version: 10 }));
    await eventually(async () => agent.status === 'suspended');
    const tasksWhenSuspended = agent.tasks;
    await new Promise((r) => setTimeout(r, 1000));
    expect(agent.tasks).toBe(tasksWhenSuspended);
    expect(fleet.counts().suspended).toBe(1);

    await kv.put(agent.agentId, JSON.stringify({ status: 'restricted', restrictions: { ...NO_RESTRICTIONS, toolsRevoked: true, probation: true }, version: 11 }));
    await eventually(async () => agent.tasks >= tasksWhenSuspended + 3);
    expect(fleet.counts().probation).toBe(1);

    await kv.put(agent.agentId, JSON.stringify({ status: 'terminated', restrictions: { ...NO_RESTRICTIONS, toolsRevoked: true }, version: 12 }));
    await eventually(async () => agent.status === 'terminated');
    const tasksWhenTerminated = agent.tasks;
    await new Promise((r) => setTimeout(r, 500));
    expect(agent.tasks).toBe(tasksWhenTerminated);
    expect(fleet.counts().terminated).toBe(1);
  });

  it('chaos infects only warmed-up healthy active agents, and pauses at the infected share cap', () => {
    const chaos = new Fleet({ ...fleet.options, chaos: true });
    expect(chaos.chaosTick()).toBeNull(); // no agents started in this fleet
    const infected = fleet.chaosTick();
    expect(infected).not.toBeNull();
    const agent = fleet.agents.find((a) => a.agentId === infected!.agentId)!;
    expect(agent.status).toBe('active');
    expect(agent.tasks).toBeGreaterThanOrEqual(5);
    expect(agent.fault?.kind).toBe(infected!.kind);
    expect(fleet.byFault.get(infected!.kind)!.injected).toBe(1);
    // at most a quarter of the fleet (here: 1 of 4) carries a fault at a time
    expect(fleet.chaosTick()).toBeNull();
    expect(fleet.counts().infected).toBe(1);
  });
});
