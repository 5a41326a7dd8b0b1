import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { names as namesOf, type Names } from '@immune/contracts';
import { api, eventually, startStack, testNats, type Stack } from '@immune/testing';

/**
 * Issue 5 through the contract: in observe mode a sustained latency spike is recorded (AnomalyDetected,
 * enforced: false) while the agent keeps working; escalating to guardian shows in /posture, /ready and /report;
 * de-escalating and resetting the resting posture restore the default.
 */
describe('fleet posture end to end', () => {
  let stack: Stack;
  let nc: NatsConnection;
  let names: Names;

  beforeAll(async () => {
    stack = await startStack(['quarantine', 'projector', 'telemetry', 'sentinel', 'escalation', 'gateway']);
    names = namesOf(stack.env.namespace);
    nc = await testNats();
    await new Promise((r) => setTimeout(r, 1500)); // the sentinel takes its partition leases right after start
  });
  afterAll(async () => {
    await nc?.close();
    await stack?.stop();
  });

  let seed = 11;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const jitter = (x: number) => x * (1 + (rand() - 0.5) * 0.16);
  const vital = (agentId: string, latencyMs = Math.round(jitter(800))) => ({
    agentId, latencyMs, inputTokens: Math.round(jitter(1200)), outputTokens: Math.round(jitter(300)), costUsd: 0.02, toolCalls: 3, retries: 0, success: true, promptHash: 'p', agentType: 'worker',
  });
  const publish = (v: Record<string, unknown>) => nc.publish(names.vitals(String(v['agentId'])), JSON.stringify(v));
  const get = (path: string) => api(stack, 'GET', path, { key: stack.keys.viewer });

  it('observe mode records a spike without enforcing it; guardian and beyond show everywhere; de-escalation restores the default; a TTL quarantine expires', async () => {
    const admin = stack.keys.admin;
    const operator = stack.keys.operator;
    expect((await api(stack, 'PUT', '/api/v1/posture/baseline', { key: operator, body: { profile: 'observer', reason: 'preview' } })).status).toBe(403);
    const observe = await api(stack, 'PUT', '/api/v1/posture/baseline', { key: admin, body: { profile: 'observer', reason: 'preview' } });
    expect(observe.status).toBe(200);
    expect(observe.body).toMatchObject({ current: 'observer', baseline: 'observer' });
    await eventually(async () => (await api(stack, 'GET', '/ready')).body?.posture === 'observer', 10_000);

    const agents = ['calm-1', 'calm-2', 'spiky'];
    for (let round = 0; round < 40; round++) {
      for (const id of agents) publish(vital(id));
      await nc.flush();
      await new Promise((r) => setTimeout(r, 20));
    }
    await eventually(async () => (await get('/api/v1/agents/spiky')).body?.status === 'active', 10_000);
    const pump = setInterval(() => {
      publish(vital('calm-1'));
      publish(vital('calm-2'));
      publish(vital('spiky', 4000));
    }, 150);
    let anomaly: { data: { enforced: boolean; quarantineId: string | null } } | undefined;
    try {
      anomaly = await eventually(async () => (await get('/api/v1/events?agentId=spiky&type=AnomalyDetected')).body?.items?.[0], 20_000, 200);
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      clearInterval(pump);
    }
    expect(anomaly?.data).toMatchObject({ enforced: false, quarantineId: null });
    expect((await get('/api/v1/agents/spiky')).body).toMatchObject({ status: 'active', quarantine: null });
    const kv = await new Kvm(nc).open(names.statusBucket);
    expect((await kv.get('spiky'))?.json()).toMatchObject({ status: 'active' });

    // one step at a time: observer → operator → guardian
    expect((await api(stack, 'POST', '/api/v1/escalations', { key: admin, body: { toProfile: 'guardian', type: 'operator_request', reason: 'skip' } })).body).toMatchObject({ status: 422, code: 'ESCALATION.NO_PATH' });
    const op = await api(stack, 'POST', '/api/v1/escalations', { key: operator, body: { toProfile: 'operator', type: 'operator_request', reason: 'enforce again' } });
    expect(op.status).toBe(201);
    const g = await api(stack, 'POST', '/api/v1/escalations', { key: operator, body: { toProfile: 'guardian', type: 'threat_detected', reason: 'suspicious', ttlSeconds: 600 } });
    expect(g.status).toBe(201);
    expect(g.body).toMatchObject({ fromProfile: 'operator', toProfile: 'guardian', reversible: true });
    expect(g.body.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(g.body.expiresAt) - Date.now()).toBeGreaterThan(590_000);
    expect((await api(stack, 'POST', '/api/v1/escalations', { key: operator, body: { toProfile: 'phoenix', type: 'crisis_declared', reason: 'x' } })).body).toMatchObject({ status: 403, code: 'ESCALATION.REQUIRES_ADMIN' });

    const posture = (await get('/api/v1/posture')).body;
    expect(posture).toMatchObject({ current: 'guardian', baseline: 'observer' });
    expect(posture.activeEscalations.map((e: { escalationId: string }) => e.escalationId)).toEqual([op.body.escalationId, g.body.escalationId]);
    expect((await get('/api/v1/escalations?active=true')).body.items[0]).toMatchObject({ escalationId: g.body.escalationId, expiresAt: g.body.expiresAt });
    expect((await get('/api/v1/escalations/history?profile=operator')).body.items.map((e: { escalationId: string }) => e.escalationId)).toEqual([op.body.escalationId]);
    expect((await api(stack, 'GET', '/ready')).body.posture).toBe('guardian');
    expect((await get('/api/v1/report')).body.posture).toBe('guardian');

    // guardian → phoenix needs a quorum of 2 distinct keys (the same key twice counts once); sovereign is irreversible
    const p = await api(stack, 'POST', '/api/v1/escalations', { key: admin, body: { toProfile: 'phoenix', type: 'crisis_declared', reason: 'crisis' } });
    expect(p.status).toBe(202);
    expect(p.body).toMatchObject({ approvalRequired: true, approvals: ['bootstrap-admin'], approvalsRequired: 2 });
    expect((await api(stack, 'POST', `/api/v1/escalations/${p.body.escalationId}/approve`, { key: admin })).body).toMatchObject({ status: 'pending', approvals: ['bootstrap-admin'] });
    expect((await get('/api/v1/posture')).body.current).toBe('guardian');
    expect((await api(stack, 'POST', `/api/v1/escalations/${p.body.escalationId}/approve`, { key: operator })).body).toMatchObject({ status: 'active', approvals: ['bootstrap-admin', 'bootstrap-operator'] });
    // phoenix admits no new agent: its first vital is answered on the rejected subject and nobody registers it
    const notices: { reason: string; subject: string }[] = [];
    const rejected = nc.subscribe(names.rejectedVitals, { callback: (_e, m) => void notices.push(m.json()) });
    await nc.flush();
    publish(vital('latecomer'));
    await nc.flush();
    const notice = await eventually(async () => notices.find((n) => n.subject === names.vitals('latecomer')), 15_000);
    expect(notice.reason).toContain('admits no new agents');
    rejected.unsubscribe();
    expect((await get('/api/v1/agents/latecomer')).status).toBe(404);
    const sov = await api(stack, 'POST', '/api/v1/escalations', { key: admin, body: { toProfile: 'sovereign', type: 'sovereign_override', reason: 'take over' } });
    expect(sov.body).toMatchObject({ toProfile: 'sovereign', reversible: false, expiresAt: null });
    expect((await api(stack, 'POST', `/api/v1/escalations/${sov.body.escalationId}/deescalate`, { key: admin, body: { type: 'operator_release', reason: 'x' } })).body).toMatchObject({ status: 409, code: 'ESCALATION.IRREVERSIBLE' });
    expect((await api(stack, 'GET', '/ready')).body.posture).toBe('sovereign');
    expect((await api(stack, 'POST', `/api/v1/escalations/${sov.body.escalationId}/deescalate`, { key: admin, body: { type: 'sovereign_revoke', reason: 'over' } })).status).toBe(200);
    expect((await api(stack, 'POST', `/api/v1/escalations/${p.body.escalationId}/deescalate`, { key: operator, body: { type: 'crisis_concluded', reason: 'over' } })).status).toBe(200);

    // de-escalate step by step; the resting posture back to operator is the default again
    expect((await api(stack, 'POST', `/api/v1/escalations/${op.body.escalationId}/deescalate`, { key: operator, body: { type: 'operator_release', reason: 'x' } })).body).toMatchObject({ status: 422, code: 'ESCALATION.NO_PATH' });
    expect((await api(stack, 'POST', `/api/v1/escalations/${g.body.escalationId}/deescalate`, { key: operator, body: { type: 'threat_resolved', reason: 'calm' } })).body).toMatchObject({ status: 'ended', deescalationType: 'threat_resolved' });
    expect((await api(stack, 'POST', `/api/v1/escalations/${op.body.escalationId}/deescalate`, { key: operator, body: { type: 'operator_release', reason: 'done' } })).status).toBe(200);
    expect((await get('/api/v1/posture')).body).toMatchObject({ current: 'observer', activeEscalations: [] });
    expect((await api(stack, 'PUT', '/api/v1/posture/baseline', { key: admin, body: { profile: 'operator', reason: 'preview over' } })).body).toMatchObject({ current: 'operator', baseline: 'operator' });
    expect((await api(stack, 'GET', '/ready')).body.posture).toBe('operator');
    const config = await new Kvm(nc).open(names.configBucket);
    expect((await config.get('posture'))?.json()).toMatchObject({ current: 'operator', baseline: 'operator' });

    // a quarantine with a TTL is released when it expires (ReleaseAgent from the escalation service's timer)
    expect((await api(stack, 'POST', '/api/v1/agents/calm-1/quarantine', { key: operator, body: { reason: 'cool down', ttlSeconds: 2 } })).status).toBe(201);
    const ended = await eventually(async () => (await get('/api/v1/quarantines?agentId=calm-1')).body?.items?.find((q: { active: boolean }) => !q.active), 15_000, 200);
    expect(ended).toMatchObject({ outcome: 'released', resolution: 'expired' });
    expect((await get('/api/v1/agents/calm-1')).body.status).toBe('active');
  });
});
