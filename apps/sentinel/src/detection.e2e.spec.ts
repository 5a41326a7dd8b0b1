import type { NatsConnection } from '@nats-io/transport-node';
import { names as namesOf, type Names } from '@immune/contracts';
import { api, eventually, startStack, testNats, type Stack } from '@immune/testing';

/**
 * Issue 3 through the contract alone: agents publish vitals on core NATS; faulty ones end quarantined by the
 * sentinel (suspended, reason code anomaly) with the right diagnosis first, healthy ones stay active.
 */
describe('detection end to end: vitals in, automatic quarantine out', () => {
  let stack: Stack;
  let nc: NatsConnection;
  let names: Names;

  beforeAll(async () => {
    stack = await startStack(['quarantine', 'projector', 'telemetry', 'sentinel', 'gateway']);
    names = namesOf(stack.env.namespace);
    nc = await testNats();
    // the sentinel takes its partition leases right after start
    await new Promise((r) => setTimeout(r, 1500));
  });
  afterAll(async () => {
    await nc.close();
    await stack?.stop();
  });

  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const jitter = (x: number, spread = 0.08) => x * (1 + (rand() - 0.5) * 2 * spread);
  const normal = (agentId: string) => ({
    agentId,
    latencyMs: Math.round(jitter(800)),
    inputTokens: Math.round(jitter(1200)),
    outputTokens: Math.round(jitter(300)),
    costUsd: Number(jitter(0.02).toFixed(5)),
    toolCalls: 3,
    retries: 0,
    success: true,
    promptHash: 'p-usual',
    model: 'gpt-test',
    agentType: 'worker',
  });
  const publish = (v: Record<string, unknown>) => nc.publish(names.vitals(String(v['agentId'])), JSON.stringify(v));
  const agent = async (id: string) => (await api(stack, 'GET', `/api/v1/agents/${id}`, { key: stack.keys.viewer })).body;

  it('quarantines each fault within 2 s with the right diagnosis first, and leaves 20 healthy agents active', async () => {
    const healthy = Array.from({ length: 20 }, (_, i) => `healthy-${i}`);
    const faults: Record<string, { vital: (id: string) => Record<string, unknown>; diagnosis: string }> = {
      'fault-latency': { vital: (id) => ({ ...normal(id), latencyMs: 4000 }), diagnosis: 'tool_instability' },
      'fault-tools': { vital: (id) => ({ ...normal(id), toolCalls: 30 }), diagnosis: 'infinite_loop' },
      'fault-errors': { vital: (id) => ({ ...normal(id), success: false, errorType: 'ToolError' }), diagnosis: 'tool_instability' },
      'fault-prompt': { vital: (id) => ({ ...normal(id), promptHash: 'p-injected' }), diagnosis: 'prompt_injection' },
    };
    const everyone = [...healthy, ...Object.keys(faults)];
    for (let round = 0; round < 40; round++) {
      for (const id of everyone) publish(normal(id));
      await nc.flush();
      await new Promise((r) => setTimeout(r, 20));
    }
    await eventually(async () => (await agent('fault-prompt'))?.status === 'active', 10_000);

    const started = Date.now();
    const detectedAt = new Map<string, number>();
    const pump = setInterval(() => {
      for (const id of healthy) publish(normal(id));
      for (const [id, f] of Object.entries(faults)) if (!detectedAt.has(id)) publish(f.vital(id));
    }, 150);
    try {
      await eventually(async () => {
        for (const id of Object.keys(faults)) {
          if (detectedAt.has(id)) continue;
          if ((await agent(id))?.status === 'suspended') detectedAt.set(id, Date.now() - started);
        }
        return detectedAt.size === Object.keys(faults).length;
      }, 15_000, 50);
      // keep the healthy ones working a little longer before judging them
      await new Promise((r) => setTimeout(r, 1500));
    } finally {
      clearInterval(pump);
    }

    for (const [id, f] of Object.entries(faults)) {
      const view = await agent(id);
      expect({ id, status: view.status, reasonCode: view.quarantine?.reasonCode, source: view.quarantine?.source }).toEqual({
        id, status: 'suspended', reasonCode: 'anomaly', source: 'sentinel',
      });
      expect({ id, first: view.quarantine.diagnoses[0]?.hypothesis }).toEqual({ id, first: f.diagnosis });
      expect(view.quarantine.deviation).toBeGreaterThan(2.5);
      expect({ id, ms: detectedAt.get(id)! <= 2000 }).toEqual({ id, ms: true });
    }
    const statuses = await Promise.all(healthy.map(async (id) => (await agent(id)).status));
    expect(statuses).toEqual(healthy.map(() => 'active'));

    const events = (await api(stack, 'GET', `/api/v1/events?agentId=fault-tools&limit=20`, { key: stack.keys.viewer })).body.items;
    expect(events.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['AgentRegistered', 'AnomalyDetected', 'AgentQuarantined']));
  });

  it('rejects malformed vitals with a reason and changes nothing', async () => {
    const reasons: string[] = [];
    const sub = nc.subscribe(names.rejectedVitals, { callback: (_e, m) => void reasons.push(m.json<{ reason: string }>().reason) });
    publish({ ...normal('healthy-0'), latencyMs: -1 });
    nc.publish(names.vitals('healthy-1'), '{broken');
    nc.publish(names.vitals('someone-else'), JSON.stringify(normal('other')));
    await eventually(async () => reasons.length >= 3, 10_000);
    sub.unsubscribe();
    expect(reasons.join(' | ')).toMatch(/latencyMs must be/);
    expect(reasons.join(' | ')).toMatch(/not valid JSON/);
    expect(reasons.join(' | ')).toMatch(/does not match the subject/);
    expect((await agent('healthy-0')).status).toBe('active');
    expect((await api(stack, 'GET', '/api/v1/agents/other', { key: stack.keys.viewer })).status).toBe(404);
  });
});
