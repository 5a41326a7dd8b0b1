import type { NatsConnection } from '@nats-io/transport-node';
import { names as namesOf, type AgentCommandReply, type AgentCommandRequest, type ReportInfection } from '@immune/contracts';
import { api, eventually, startStack, testNats, type Stack } from '@immune/testing';

/**
 * Approval and heal-now through the contract: the sentinel's ReportInfection on the command subject quarantines an
 * agent pending approval; operators list, approve, reject, heal one agent or all of them, with read-your-writes,
 * problem+json refusals and Idempotency-Key.
 */
describe('approvals and heal-now (e2e)', () => {
  let stack: Stack;
  let nc: NatsConnection;

  beforeAll(async () => {
    stack = await startStack(['quarantine', 'projector', 'gateway']);
    nc = await testNats();
  }, 120_000);
  afterAll(async () => {
    await nc?.close();
    await stack?.stop();
  }, 60_000);

  const diagnoses = [{ hypothesis: 'tool_instability', confidence: 0.6, evidence: ['latency_spike'] }];

  async function command(request: AgentCommandRequest): Promise<AgentCommandReply> {
    const msg = await nc.request(namesOf(stack.env.namespace).agentCommands, JSON.stringify(request), { timeout: 5_000 });
    return msg.json<AgentCommandReply>();
  }

  async function register(agentId: string): Promise<void> {
    const reply = await command({ commandId: `reg-${agentId}`, agentId, actor: 'e2e', command: { type: 'RegisterAgent', model: 'gpt-test' } });
    expect(reply.ok).toBe(true);
  }

  /** What the sentinel sends: a deterministic command id per detection; it waits for the projector itself. */
  async function infect(agentId: string, detectionId: string, requiresApproval: boolean): Promise<AgentCommandReply> {
    const infection: ReportInfection = {
      type: 'ReportInfection',
      detectionId,
      quarantineId: `q-${agentId}-${detectionId}`,
      anomalies: [{ type: 'latency_spike', metric: 'latencyMs', sigma: 7.2 }],
      deviation: 7.2,
      severity: 'high',
      diagnoses,
      requiresApproval,
      enforce: true,
      fleetWide: false,
      forensic: { recentVitals: [{ latencyMs: 9100 }], baseline: { latencyMs: { mean: 120 } } },
    };
    const reply = await command({ commandId: `infection:${agentId}:${detectionId}`, agentId, actor: 'sentinel', command: infection });
    expect(reply.ok).toBe(true);
    return reply;
  }

  const get = (path: string) => api(stack, 'GET', `/api/v1${path}`, { key: stack.keys.viewer });
  const post = (path: string, body?: unknown, headers?: Record<string, string>) =>
    api(stack, 'POST', `/api/v1${path}`, { key: stack.keys.operator, ...(body !== undefined ? { body } : {}), ...(headers ? { headers } : {}) });
  const ids = (page: { items: { agentId: string }[] }) => page.items.map((a) => a.agentId);
  /** Waits until the read models show an agent in this approval state (the sentinel's path has no read-your-writes). */
  const approvalOf = async (agentId: string, approval: string) =>
    eventually(async () => {
      const r = await get(`/agents/${agentId}`);
      return r.status === 200 && r.body.quarantine?.approval === approval ? r : undefined;
    }, 10_000);

  it('documents the routes', async () => {
    const doc = await api(stack, 'GET', '/api/docs/openapi.json');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/approvals',
        '/api/v1/approvals/{agentId}/approve',
        '/api/v1/approvals/{agentId}/reject',
        '/api/v1/approvals/approve-all',
        '/api/v1/approvals/reject-all',
        '/api/v1/agents/{agentId}/heal',
        '/api/v1/agents/heal-all',
      ]),
    );
  });

  it('quarantines an infected agent pending approval; lists, approves once, then refuses APPROVAL.NOT_PENDING', async () => {
    await register('ap-1');
    const reply = await infect('ap-1', 'd1', true);
    expect(reply.ok && reply.eventTypes).toEqual(['AnomalyDetected', 'AgentQuarantined', 'ApprovalRequested']);

    const got = await approvalOf('ap-1', 'pending');
    expect(got.body).toMatchObject({
      agentId: 'ap-1',
      status: 'suspended',
      quarantine: {
        quarantineId: 'q-ap-1-d1',
        level: 'suspended',
        reasonCode: 'anomaly',
        reason: 'latency_spike at 7.2σ',
        severity: 'high',
        source: 'sentinel',
        approval: 'pending',
        healing: 'idle',
        healMode: 'automatic',
        healRequestedAt: null,
        diagnoses,
        deviation: 7.2,
      },
    });

    const pending = await get('/approvals');
    expect(pending.status).toBe(200);
    expect(pending.body).toMatchObject({ total: 1, nextCursor: null });
    expect(ids(pending.body)).toEqual(['ap-1']);
    expect((await get('/approvals?state=pending')).body.items[0]).toEqual(got.body);
    expect((await get('/approvals?state=approved')).body).toMatchObject({ status: 400, code: 'VALIDATION.FAILED' });

    expect((await api(stack, 'POST', '/api/v1/approvals/ap-1/approve', { key: stack.keys.viewer })).status).toBe(403);
    const approved = await post('/approvals/ap-1/approve');
    expect(approved.status).toBe(200);
    expect(approved.headers.get('etag')).toBe(`"${approved.body.version}"`);
    expect(approved.body).toMatchObject({ status: 'suspended', quarantine: { approval: 'approved' } });
    // read-your-writes: the list no longer shows it
    expect((await get('/approvals')).body.items).toEqual([]);

    const again = await post('/approvals/ap-1/approve');
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    expect(again.body).toMatchObject({ status: 409, code: 'APPROVAL.NOT_PENDING', title: 'No approval pending', approval: 'approved' });
    expect((await post('/approvals/ap-1/reject')).body.code).toBe('APPROVAL.NOT_PENDING');
    expect((await post('/approvals/ap-nobody/approve')).body).toMatchObject({ status: 404, code: 'AGENT.NOT_FOUND' });
  });

  it('records a second infection while quarantined without enforcing anything; a retried infection appends once', async () => {
    const retried = await infect('ap-1', 'd1', true);
    expect(retried).toMatchObject({ duplicate: true });
    const second = await infect('ap-1', 'd2', true);
    expect(second.ok && second.eventTypes).toEqual(['AnomalyDetected']);
    const anomalies = await eventually(async () => {
      const r = await get('/events?agentId=ap-1&type=AnomalyDetected');
      return r.body.items.length === 2 ? r.body.items : undefined;
    }, 10_000);
    expect(anomalies.map((e: { data: { enforced: boolean } }) => e.data.enforced)).toEqual([true, false]);
    expect((await get('/events?agentId=ap-1&type=AgentQuarantined')).body.items).toHaveLength(1);
    expect((await get('/agents/ap-1')).body.quarantine).toMatchObject({ quarantineId: 'q-ap-1-d1', approval: 'approved' });
  });

  it('rejects: the agent stays quarantined, listed under state=rejected, until heal-now settles it', async () => {
    await register('ap-2');
    await infect('ap-2', 'd1', true);
    await approvalOf('ap-2', 'pending');
    const rejected = await post('/approvals/ap-2/reject', { reason: 'too risky right now' });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'suspended', quarantine: { approval: 'rejected' } });
    expect(ids((await get('/approvals?state=rejected')).body)).toEqual(['ap-2']);
    expect(ids((await get('/approvals')).body)).toEqual([]);
    expect((await post('/approvals/ap-2/reject', { reason: '' })).body).toMatchObject({ status: 400, code: 'VALIDATION.FAILED' });

    const healed = await post('/agents/ap-2/heal', { reason: 'fixed the tool upstream' });
    expect(healed.status).toBe(200);
    expect(healed.body).toMatchObject({ status: 'suspended', quarantine: { approval: 'approved', healRequestedAt: expect.any(String) } });
    expect((await get('/approvals?state=rejected')).body.items).toEqual([]);
    const events = await get('/events?agentId=ap-2&type=HealingRequested');
    expect(events.body.items).toEqual([
      expect.objectContaining({ type: 'HealingRequested', actor: 'bootstrap-operator', data: { quarantineId: 'q-ap-2-d1', reason: 'fixed the tool upstream' } }),
    ]);
    const rejections = await get('/events?agentId=ap-2&type=HealingRejected');
    expect(rejections.body.items[0].data).toEqual({ quarantineId: 'q-ap-2-d1', reason: 'too risky right now' });
  });

  it('heal-now refuses QUARANTINE.NOT_ACTIVE on an agent not quarantined and replays with the same Idempotency-Key', async () => {
    await register('ap-3');
    await eventually(async () => (await get('/agents/ap-3')).status === 200, 10_000);
    expect((await post('/agents/ap-3/heal')).body).toMatchObject({ status: 409, code: 'QUARANTINE.NOT_ACTIVE' });
    expect((await post('/approvals/ap-3/approve')).body).toMatchObject({ status: 409, code: 'QUARANTINE.NOT_ACTIVE' });

    expect((await post('/agents/ap-3/quarantine', { reason: 'manual look' })).status).toBe(201);
    const headers = { 'Idempotency-Key': 'heal-ap-3' };
    const first = await post('/agents/ap-3/heal', {}, headers);
    expect(first.status).toBe(200);
    expect(first.body.quarantine).toMatchObject({ healMode: 'manual', approval: 'none', healRequestedAt: expect.any(String) });
    const repeat = await post('/agents/ap-3/heal', {}, headers);
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');
    expect(repeat.body).toEqual(first.body);
    expect((await get('/events?agentId=ap-3&type=HealingRequested')).body.items).toHaveLength(1);
  });

  it('approve-all and reject-all act on every pending approval', async () => {
    for (const id of ['ap-4', 'ap-5']) {
      await register(id);
      await infect(id, 'd1', true);
    }
    await approvalOf('ap-4', 'pending');
    await approvalOf('ap-5', 'pending');
    expect((await api(stack, 'POST', '/api/v1/approvals/approve-all', { key: stack.keys.viewer })).status).toBe(403);
    const all = await post('/approvals/approve-all');
    expect(all.status).toBe(200);
    expect(all.body).toEqual({ approved: 2, failed: [] });
    expect((await get('/agents/ap-4')).body.quarantine.approval).toBe('approved');
    expect((await get('/agents/ap-5')).body.quarantine.approval).toBe('approved');
    expect((await post('/approvals/approve-all')).body).toEqual({ approved: 0, failed: [] });

    await register('ap-6');
    await infect('ap-6', 'd1', true);
    await approvalOf('ap-6', 'pending');
    const none = await post('/approvals/reject-all', { reason: 'not during the release' });
    expect(none.body).toEqual({ rejected: 1, failed: [] });
    expect(ids((await get('/approvals?state=rejected')).body)).toEqual(['ap-6']);
  });

  it('heal-all heals the manual quarantines not yet healed and the rejected ones; /agents/heal-all is its own route', async () => {
    // An automatic quarantine below the approval threshold heals on its own: heal-all leaves it alone.
    await register('ap-7');
    await infect('ap-7', 'd1', false);
    await approvalOf('ap-7', 'none');
    await register('ap-8');
    await eventually(async () => (await get('/agents/ap-8')).status === 200, 10_000);
    expect((await post('/agents/ap-8/quarantine', { reason: 'operator hunch' })).status).toBe(201);

    expect((await api(stack, 'POST', '/api/v1/agents/heal-all', { key: stack.keys.viewer })).status).toBe(403);
    const all = await post('/agents/heal-all', { reason: 'maintenance window' });
    expect(all.status).toBe(200);
    // ap-6 (rejected) and ap-8 (manual); ap-3 is manual but already asked to heal, the others heal already
    expect(all.body).toEqual({ requested: 2, failed: [] });
    expect((await get('/agents/ap-6')).body.quarantine).toMatchObject({ approval: 'approved', healRequestedAt: expect.any(String) });
    expect((await get('/agents/ap-8')).body.quarantine).toMatchObject({ approval: 'none', healRequestedAt: expect.any(String) });
    expect((await get('/agents/ap-7')).body.quarantine.healRequestedAt).toBeNull();
    expect((await get('/events?type=HealingRequested&agentId=ap-8')).body.items[0].data.reason).toBe('maintenance window');
    expect((await post('/agents/heal-all')).body).toEqual({ requested: 0, failed: [] });
  });

  it('keeps the log verifiable', async () => {
    expect((await get('/events/verify')).body).toMatchObject({ valid: true });
  });
});
