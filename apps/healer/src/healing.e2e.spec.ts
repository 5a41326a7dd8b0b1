import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { names as namesOf, type Names } from '@immune/contracts';
import { api, eventually, startStack, testNats, type Stack } from '@immune/testing';
import { TestAgent, infect, sendCommand } from './spec-helpers.spec';

/**
 * Issue 4 through the contract: agents are plain NATS clients (answer `{ns}.agents.{id}.commands`, publish
 * vitals); quarantines come from the sentinel's command (ReportInfection) so the spec is fast and deterministic.
 */
describe('healing end to end', () => {
  let stack: Stack;
  let nc: NatsConnection;
  let names: Names;
  const agents: TestAgent[] = [];

  beforeAll(async () => {
    stack = await startStack(['quarantine', 'projector', 'healer', 'gateway'], {
      HEALER_COMMAND_TIMEOUT_MS: '1000',
      HEALER_LEASE_MS: '3000',
      HEALER_SWEEP_MS: '500',
      HEALER_PROBATION_SILENCE_MS: '4000',
    });
    names = namesOf(stack.env.namespace);
    nc = await testNats();
  });
  afterAll(async () => {
    for (const a of agents) a.stop();
    await nc?.close();
    await stack?.stop();
  });

  const agent = (id: string, opts: ConstructorParameters<typeof TestAgent>[3] = {}) => {
    const a = new TestAgent(nc, names, id, opts).start();
    agents.push(a);
    return a;
  };
  const view = async (id: string) => (await api(stack, 'GET', `/api/v1/agents/${id}`, { key: stack.keys.viewer })).body;
  const log = async (id: string) => (await api(stack, 'GET', `/api/v1/healing/log?agentId=${id}`, { key: stack.keys.viewer })).body;

  it('an approved agent receives the command, acknowledges it, passes probation and becomes active, the action in the log', async () => {
    const a = agent('e2e-approved');
    await infect(nc, names, 'e2e-approved', { requiresApproval: true, hypothesis: 'prompt_drift' });
    await eventually(async () => (await view('e2e-approved'))?.quarantine?.approval === 'pending', 10_000);
    expect(a.received).toHaveLength(0);
    expect((await api(stack, 'POST', '/api/v1/approvals/e2e-approved/approve', { key: stack.keys.operator, body: {} })).status).toBe(200);
    await eventually(async () => (await view('e2e-approved'))?.status === 'active', 20_000, 100);
    expect(a.received.map((r) => r.action)).toEqual(['reset_memory']);
    const entries = await log('e2e-approved');
    expect(entries.items.map((e: { outcome: string }) => e.outcome)).toEqual(['succeeded', 'probation', 'started']);
    expect(entries.items[0]).toMatchObject({ agentId: 'e2e-approved', action: 'reset_memory', diagnosis: 'prompt_drift', attempt: 1 });
    expect(entries.total).toBe(3);
    const patterns = (await api(stack, 'GET', '/api/v1/healing/patterns', { key: stack.keys.viewer })).body;
    expect(patterns.items).toContainEqual({ diagnosis: 'prompt_drift', action: 'reset_memory', successes: 1, failures: 0, rate: 1 });
    // pages, newest first, and bad input as problem+json
    const first = (await api(stack, 'GET', '/api/v1/healing/log?agentId=e2e-approved&limit=2', { key: stack.keys.viewer })).body;
    expect(first.items).toHaveLength(2);
    const rest = (await api(stack, 'GET', `/api/v1/healing/log?agentId=e2e-approved&limit=2&cursor=${first.nextCursor}`, { key: stack.keys.viewer })).body;
    expect(rest).toMatchObject({ items: [{ outcome: 'started' }], total: 3, nextCursor: null });
    const bad = await api(stack, 'GET', '/api/v1/healing/log?agentId=not%20an%20id', { key: stack.keys.viewer });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION.FAILED');
    expect((await api(stack, 'GET', '/api/v1/healing/log')).status).toBe(401);
  });

  it('a rejected agent stays quarantined and idle until heal-now', async () => {
    const a = agent('e2e-rejected');
    await infect(nc, names, 'e2e-rejected', { requiresApproval: true });
    await eventually(async () => (await view('e2e-rejected'))?.quarantine?.approval === 'pending', 10_000);
    expect((await api(stack, 'POST', '/api/v1/approvals/e2e-rejected/reject', { key: stack.keys.operator, body: { reason: 'looks bad' } })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2000));
    const held = await view('e2e-rejected');
    expect(held).toMatchObject({ status: 'suspended', quarantine: { approval: 'rejected', healing: 'idle' } });
    expect(a.received).toHaveLength(0);
    expect((await api(stack, 'POST', '/api/v1/agents/e2e-rejected/heal', { key: stack.keys.operator, body: {} })).status).toBe(200);
    await eventually(async () => (await view('e2e-rejected'))?.status === 'active', 20_000, 100);
    expect(a.received).toHaveLength(1);
  });

  it('an agent whose every action fails ends exhausted, and the containment step to terminated awaits an admin', async () => {
    const a = agent('e2e-failing', { answer: () => ({ ok: false, detail: 'no' }) });
    await infect(nc, names, 'e2e-failing', { hypothesis: 'external_cause' });
    await eventually(async () => (await view('e2e-failing'))?.quarantine?.healing === 'exhausted', 20_000, 100);
    expect(a.received.map((r) => r.action)).toEqual(['reduce_autonomy', 'reset_agent']);
    expect((await view('e2e-failing')).status).toBe('suspended');
    const entries = await log('e2e-failing');
    expect(entries.items[0]).toMatchObject({ outcome: 'exhausted', reason: 'await_admin' });
    const refused = await api(stack, 'POST', '/api/v1/agents/e2e-failing/escalate', { key: stack.keys.operator, body: { reason: 'healing exhausted' } });
    expect(refused.status).toBe(403);
    const escalated = await api(stack, 'POST', '/api/v1/agents/e2e-failing/escalate', { key: stack.keys.admin, body: { reason: 'healing exhausted' } });
    expect(escalated.status).toBe(200);
    expect((await view('e2e-failing')).status).toBe('terminated');
  });

  it('phoenix holds automatic healing back; lifting the posture heals the agents it held', async () => {
    const config = await new Kvm(nc).open(names.configBucket);
    const posture = (current: string) => JSON.stringify({ current, baseline: 'operator', version: 1, changedAt: new Date().toISOString() });
    // Registered before the crisis: phoenix admits no new agents.
    await sendCommand(nc, names, 'e2e-phoenix', { type: 'RegisterAgent', model: 'test', agentType: 'worker' }, 'telemetry');
    await config.put('posture', posture('phoenix'));
    const a = agent('e2e-phoenix');
    await new Promise((r) => setTimeout(r, 300));
    try {
      await infect(nc, names, 'e2e-phoenix');
      await eventually(async () => (await view('e2e-phoenix'))?.status === 'suspended', 10_000);
      await new Promise((r) => setTimeout(r, 1500));
      expect((await view('e2e-phoenix')).quarantine.healing).toBe('idle');
      expect(a.received).toHaveLength(0);
    } finally {
      await config.put('posture', posture('operator'));
    }
    await eventually(async () => (await view('e2e-phoenix'))?.status === 'active', 20_000, 100);
    expect(a.received).toHaveLength(1);
  });

  it('a posture lifted while the healer was down heals the agents it held once the healer is back', async () => {
    const config = await new Kvm(nc).open(names.configBucket);
    const posture = (current: string) => JSON.stringify({ current, baseline: 'operator', version: 2, changedAt: new Date().toISOString() });
    await sendCommand(nc, names, 'e2e-held', { type: 'RegisterAgent', model: 'test', agentType: 'worker' }, 'telemetry');
    await config.put('posture', posture('phoenix'));
    const a = agent('e2e-held');
    await new Promise((r) => setTimeout(r, 300));
    try {
      await infect(nc, names, 'e2e-held');
      await eventually(async () => (await view('e2e-held'))?.status === 'suspended', 10_000);
      await new Promise((r) => setTimeout(r, 500));
      expect((await view('e2e-held')).quarantine.healing).toBe('idle');
      await stack.kill('healer');
    } finally {
      await config.put('posture', posture('operator'));
    }
    stack.start('healer');
    await eventually(async () => (await view('e2e-held'))?.status === 'active', 30_000, 200);
    expect(a.received).toHaveLength(1);
  });

  it('a healer killed mid-healing and restarted leaves no agent stuck', async () => {
    const a = agent('e2e-crash');
    a.publishing = false;
    await infect(nc, names, 'e2e-crash');
    await eventually(async () => (await view('e2e-crash'))?.quarantine?.healing === 'probation', 20_000, 100);
    await stack.kill('healer');
    a.publishing = true;
    stack.start('healer');
    await eventually(async () => (await view('e2e-crash'))?.status === 'active', 30_000, 200);
    const entries = await log('e2e-crash');
    expect(entries.items.filter((e: { outcome: string }) => e.outcome === 'started')).toHaveLength(1);
    expect(entries.items[0]).toMatchObject({ outcome: 'succeeded', action: 'reset_memory' });
  });
});
