import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { Registry } from 'prom-client';
import { names as namesOf, type Names } from '@immune/contracts';
import { replay, type AgentState } from '@immune/domain-quarantine';
import { EventStore } from '@immune/platform-jetstream';
import { loadConfig } from '@immune/platform-runtime';
import { eventually, startStack, testNats, type Stack } from '@immune/testing';
import { HealerService } from './healer.service';
import type { HealerSettings } from './healer.config';
import { TestAgent, infect, sendCommand } from './spec-helpers.spec';

const FAST: Partial<HealerSettings> = { agentTimeoutMs: 500, leaseMs: 1500, sweepMs: 200, probationVitals: 3, probationSilenceMs: 1500, patternsRefreshMs: 60_000 };
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** The healer in-process against the real NATS and the built quarantine service (the only writer of agent events). */
describe('healer against the real quarantine service', () => {
  let stack: Stack;
  let nc: NatsConnection;
  let names: Names;
  let store: EventStore;
  const healers: HealerService[] = [];
  const agents: TestAgent[] = [];

  const startHealer = async (over: Partial<HealerSettings> = {}) => {
    const config = loadConfig({ ...stack.env.env, LOG_FORMAT: 'json' });
    const h = await HealerService.start(config, quiet, new Registry(), { ...FAST, ...over });
    healers.push(h);
    return h;
  };
  const agent = (id: string, opts: ConstructorParameters<typeof TestAgent>[3] = {}) => {
    const a = new TestAgent(nc, names, id, opts).start();
    agents.push(a);
    return a;
  };
  const stateOf = async (agentId: string): Promise<{ state: AgentState; types: string[] }> => {
    const { events } = await store.readAggregate('agent', agentId);
    const state = replay(events.map((e) => ({ event: e.envelope as never, occurredAt: e.envelope.occurredAt })), agentId);
    return { state, types: events.map((e) => e.envelope.type) };
  };

  beforeAll(async () => {
    stack = await startStack(['quarantine']);
    names = namesOf(stack.env.namespace);
    nc = await testNats();
    store = new EventStore(nc, names);
  });
  afterEach(async () => {
    for (const a of agents.splice(0)) a.stop();
    for (const h of healers.splice(0)) await h.stop();
  });
  afterAll(async () => {
    await nc?.close();
    await stack?.stop();
  });

  it('heals an automatic quarantine: action acknowledged, probation passed, released, with the KV status following', async () => {
    await startHealer();
    const kv = await new Kvm(nc).open(names.statusBucket);
    const statuses: string[] = [];
    const watch = await kv.watch({ key: 'coop-1' });
    void (async () => {
      for await (const e of watch) if (e.operation === 'PUT') statuses.push(JSON.stringify(e.json()));
    })();
    const a = agent('coop-1');
    await infect(nc, names, 'coop-1');
    await eventually(async () => (await stateOf('coop-1')).state.status === 'active', 15_000, 100);
    watch.stop();
    const { types } = await stateOf('coop-1');
    expect(types).toEqual(['AgentRegistered', 'AnomalyDetected', 'AgentQuarantined', 'HealingStarted', 'HealingProbationStarted', 'HealingActionSucceeded', 'AgentReleased']);
    expect(a.received.map((r) => r.action)).toEqual(['reset_memory']);
    expect(a.received[0]?.params).toMatchObject({ agentId: 'coop-1', diagnosis: 'memory_corruption', attempt: 1 });
    await eventually(async () => statuses.some((s) => s.includes('"status":"active"')) || null, 5000);
    expect(statuses.some((s) => s.includes('"status":"restricted"') && s.includes('"probation":true'))).toBe(true);
  });

  it('does not heal while approval is pending or after a rejection; heal-now starts it', async () => {
    await startHealer();
    const a = agent('held-1');
    await infect(nc, names, 'held-1', { requiresApproval: true });
    await sendCommand(nc, names, 'held-1', { type: 'RejectHealing', reason: 'not now' }, 'ops');
    await new Promise((r) => setTimeout(r, 1500));
    expect(a.received).toHaveLength(0);
    expect((await stateOf('held-1')).state.quarantine?.healing).toBe('idle');
    await sendCommand(nc, names, 'held-1', { type: 'RequestHealing', reason: 'go' }, 'ops');
    await eventually(async () => (await stateOf('held-1')).state.status === 'active', 15_000, 100);
    expect(a.received).toHaveLength(1);
  });

  it('tries every action of the ladder and exhausts when the agent refuses them all; autoTerminate terminates', async () => {
    await startHealer({ autoTerminate: true });
    const a = agent('stubborn-1', { answer: () => ({ ok: false, detail: 'cannot' }) });
    await infect(nc, names, 'stubborn-1', { hypothesis: 'memory_corruption' });
    await eventually(async () => (await stateOf('stubborn-1')).state.status === 'terminated', 15_000, 100);
    const { types } = await stateOf('stubborn-1');
    expect(a.received.map((r) => r.action)).toEqual(['reset_memory', 'reset_agent']);
    expect(types.slice(3)).toEqual(['HealingStarted', 'HealingActionFailed', 'HealingActionFailed', 'HealingExhausted', 'QuarantineEscalated', 'AgentTerminated']);
  });

  it('a silent agent fails as no_reply, and an agent silent on probation fails as probation_silent; exhausted waits for an admin', async () => {
    await startHealer();
    const a = agent('silent-1', { answer: (r) => (r.action === 'reset_memory' ? 'silent' : { ok: true }), vitalEveryMs: false });
    await infect(nc, names, 'silent-1');
    await eventually(async () => (await stateOf('silent-1')).state.quarantine?.healing === 'exhausted', 15_000, 100);
    const { events } = await store.readAggregate('agent', 'silent-1');
    const failures = events.filter((e) => e.envelope.type === 'HealingActionFailed').map((e) => (e.envelope.data as { reason: string }).reason);
    expect(failures).toEqual(['no_reply', 'probation_silent']);
    expect((await stateOf('silent-1')).state.status).toBe('suspended');
    expect(a.received.map((r) => r.action)).toEqual(['reset_memory', 'reset_agent']);
  });

  it('heals each agent once with two healer instances, and a stopped healer’s probation is resumed by the other', async () => {
    const first = await startHealer();
    const a = agent('shared-1');
    a.publishing = false;
    await infect(nc, names, 'shared-1');
    await eventually(async () => (await stateOf('shared-1')).state.quarantine?.healing === 'probation', 10_000, 50);
    // A second instance joins (same durable consumer, same lease bucket): the lease stays the first's.
    await startHealer();
    await first.stop();
    healers.splice(healers.indexOf(first), 1);
    a.publishing = true;
    await eventually(async () => (await stateOf('shared-1')).state.status === 'active', 20_000, 100);
    const { types } = await stateOf('shared-1');
    expect(types.filter((t) => t === 'HealingStarted')).toHaveLength(1);
    expect(new Set(a.received.map((r) => r.commandId)).size).toBe(1);
  });

  it('under guardian a passed probation is recorded but the agent waits restricted for an operator', async () => {
    const config = await new Kvm(nc).create(names.configBucket, { history: 5 }).catch(() => new Kvm(nc).open(names.configBucket));
    await config.put('posture', JSON.stringify({ current: 'guardian', baseline: 'operator', version: 1, changedAt: new Date().toISOString() }));
    try {
      await startHealer();
      agent('guarded-1');
      await infect(nc, names, 'guarded-1');
      await eventually(async () => (await stateOf('guarded-1')).state.quarantine?.healing === 'succeeded', 15_000, 100);
      const { state } = await stateOf('guarded-1');
      expect(state.status).toBe('restricted');
      expect(state.restrictions.probation).toBe(false);
    } finally {
      await config.delete('posture');
    }
  });
});
