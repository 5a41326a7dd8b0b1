import type { NatsConnection } from '@nats-io/transport-node';
import { api, eventually, startStack, testNats, type Stack } from '@immune/testing';
import { FAULTS } from './fleet-sim.faults';
import { DEFAULT_FLEET_OPTIONS, Fleet } from './fleet-sim.fleet';

/**
 * The simulated fleet against the built control plane (telemetry, sentinel, quarantine, healer, projector,
 * gateway), only through the contract: real detection of injected faults, healing commands answered by the SDK,
 * probation on real vitals, release. A fault whose first rung does not cure it shows the healer moving on.
 */
describe('fleet-sim with the control plane', () => {
  let stack: Stack;
  let nc: NatsConnection;
  const fleet = new Fleet({ ...DEFAULT_FLEET_OPTIONS, agents: 3, rate: 10, seed: 5, prefix: 'e2e' });
  const view = async (id: string) => (await api(stack, 'GET', `/api/v1/agents/${id}`, { key: stack.keys.viewer })).body;
  const log = async (id: string) => (await api(stack, 'GET', `/api/v1/healing/log?agentId=${id}`, { key: stack.keys.viewer })).body;

  beforeAll(async () => {
    stack = await startStack(['quarantine', 'projector', 'telemetry', 'sentinel', 'healer', 'gateway']);
    nc = await testNats();
    await fleet.start(nc, stack.env.namespace);
  });
  afterAll(async () => {
    await fleet.stop();
    await nc?.close();
    await stack?.stop();
  });

  it('detects injected faults, heals them with the actions that cure them, and releases the agents', async () => {
    const [memory, tokens] = fleet.agents;
    // warm baselines first (the sentinel detects nothing before its warm-up, and widens σ early on)
    await eventually(async () => fleet.agents.every((a) => a.tasks >= 60), 30_000, 200);
    await eventually(async () => (await view(memory!.agentId))?.status === 'active', 10_000, 200);
    fleet.infect(memory!, 'memory_corruption', 'mild');
    fleet.infect(tokens!, 'token_explosion', 'mild');

    try {
      await eventually(async () => memory!.fault === null && tokens!.fault === null, 45_000, 200);
      await eventually(async () => (await view(memory!.agentId))?.status === 'active' && (await view(tokens!.agentId))?.status === 'active', 30_000, 200);
    } catch (e) {
      throw new Error(`${String(e)}\n${stack.logs().slice(-8000)}`);
    }
    // the agents' own truth: each was cured by an action that cures its fault, after being quarantined
    expect(fleet.byFault.get('memory_corruption')).toMatchObject({ injected: 1, quarantined: 1, cured: 1 });
    expect(fleet.byFault.get('token_explosion')).toMatchObject({ injected: 1, quarantined: 1, cured: 1 });

    // the control plane's record: the last action that succeeded is one the cure table names
    const lastSucceeded = async (id: string) =>
      (await log(id)).items.find((e: { outcome: string }) => e.outcome === 'succeeded')?.action as string | undefined;
    await eventually(async () => (await lastSucceeded(memory!.agentId)) !== undefined && (await lastSucceeded(tokens!.agentId)) !== undefined, 10_000, 200);
    expect(FAULTS.memory_corruption.curedBy).toContain(await lastSucceeded(memory!.agentId));
    expect(FAULTS.token_explosion.curedBy).toContain(await lastSucceeded(tokens!.agentId));
    // reset_memory (the first rung of prompt_drift) does not cure a token explosion: if the healer tried it, it failed
    const tokenLog = (await log(tokens!.agentId)).items as { outcome: string; action: string | null }[];
    expect(tokenLog.filter((e) => e.outcome === 'succeeded').map((e) => e.action)).not.toContain('reset_memory');
    const patterns = (await api(stack, 'GET', '/api/v1/healing/patterns', { key: stack.keys.viewer })).body;
    expect(patterns.items.reduce((n: number, p: { successes: number }) => n + p.successes, 0)).toBeGreaterThanOrEqual(2);
  });
});
