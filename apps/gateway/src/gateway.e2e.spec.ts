import type { NatsConnection } from '@nats-io/transport-node';
import { names as namesOf, type AgentCommandReply } from '@immune/contracts';
import { api, eventually, startStack, testNats, type Stack } from '@immune/testing';



/**
 * The gateway as a built process in front of the real quarantine service and projector: auth, writes with
 * read-your-writes, preconditions, idempotency, lists, report, audit and problem+json errors.
 */
describe('gateway (e2e)', () => {
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

  /** Agents normally register through vitals; here through the command subject directly. */
  async function register(agentId: string): Promise<void> {
    const names = namesOf(stack.env.namespace);
    const msg = await nc.request(
      names.agentCommands,
      JSON.stringify({ commandId: `reg-${agentId}`, agentId, actor: 'e2e', command: { type: 'RegisterAgent', model: 'gpt-test', agentType: 'worker' } }),
      { timeout: 5_000 },
    );
    const reply = msg.json<AgentCommandReply>();
    expect(reply.ok).toBe(true);
    await eventually(async () => (await api(stack, 'GET', `/api/v1/agents/${agentId}`, { key: stack.keys.viewer })).status === 200, 10_000);
  }

  it('serves health, readiness, metrics, the operator page and the OpenAPI document without a key', async () => {
    expect((await api(stack, 'GET', '/health')).body).toEqual({ status: 'ok' });
    const ready = await api(stack, 'GET', '/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', posture: 'operator', checks: { nats: 'ok', postgres: 'ok' } });
    const metrics = await fetch(`${stack.baseUrl}/metrics`).then((r) => r.text());
    expect(metrics).toContain('http_request_duration_seconds');
    const page = await fetch(`${stack.baseUrl}/`);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('/api/v1');
    const doc = await api(stack, 'GET', '/api/docs/openapi.json');
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/v1/agents/{agentId}/quarantine', '/api/v1/events/verify', '/api/v1/keys']));
    expect(doc.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('needs a valid key (401) with a role high enough (403), as problem+json', async () => {
    const none = await api(stack, 'GET', '/api/v1/agents');
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toContain('application/problem+json');
    expect(none.body).toMatchObject({ status: 401, code: 'AUTH.UNAUTHORIZED' });
    expect((await api(stack, 'GET', '/api/v1/agents', { key: 'imk_admin_wrong' })).status).toBe(401);
    expect((await api(stack, 'GET', '/api/v1/agents', { key: stack.keys.ingest })).body).toMatchObject({ status: 403, code: 'AUTH.FORBIDDEN' });
    expect((await api(stack, 'GET', '/api/v1/keys', { key: stack.keys.operator })).status).toBe(403);
    const list = await api(stack, 'GET', '/api/v1/agents', { key: stack.keys.viewer });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ items: expect.any(Array), total: expect.any(Number) });
  });

  it('manages keys: create (shown once), use, list without secrets, delete', async () => {
    const created = await api(stack, 'POST', '/api/v1/keys', { key: stack.keys.admin, body: { name: 'e2e-op', role: 'operator' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'e2e-op', role: 'operator', key: expect.stringMatching(/^imk_operator_/) });
    expect((await api(stack, 'POST', '/api/v1/keys', { key: stack.keys.admin, body: { name: 'e2e-op', role: 'viewer' } })).body.code).toBe('KEY.ALREADY_EXISTS');
    expect((await api(stack, 'GET', '/api/v1/me', { key: created.body.key })).body).toEqual({ name: 'e2e-op', role: 'operator' });
    const listed = await api(stack, 'GET', '/api/v1/keys', { key: stack.keys.admin });
    expect(listed.body.items.map((k: { name: string }) => k.name)).toEqual(expect.arrayContaining(['bootstrap-admin', 'e2e-op']));
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key);
    expect((await api(stack, 'DELETE', '/api/v1/keys/e2e-op', { key: stack.keys.admin })).status).toBe(204);
    expect((await api(stack, 'GET', '/api/v1/me', { key: created.body.key })).status).toBe(401);
    expect((await api(stack, 'DELETE', '/api/v1/keys/e2e-op', { key: stack.keys.admin })).body.code).toBe('KEY.NOT_FOUND');
  });

  it('quarantines, notes, escalates and releases an agent, each write visible at once', async () => {
    await register('e2e-a1');
    const missing = await api(stack, 'POST', '/api/v1/agents/e2e-nobody/quarantine', { key: stack.keys.operator, body: { reason: 'x' } });
    expect(missing.body).toMatchObject({ status: 404, code: 'AGENT.NOT_FOUND' });
    expect((await api(stack, 'POST', '/api/v1/agents/e2e-a1/quarantine', { key: stack.keys.viewer, body: { reason: 'x' } })).status).toBe(403);

    const q = await api(stack, 'POST', '/api/v1/agents/e2e-a1/quarantine', {
      key: stack.keys.operator,
      body: { reason: 'leaking secrets', severity: 'high', level: 'restricted' },
    });
    expect(q.status).toBe(201);
    expect(q.body).toMatchObject({ agentId: 'e2e-a1', status: 'restricted', quarantine: { severity: 'high', level: 'restricted', reasonCode: 'manual' } });

    const got = await api(stack, 'GET', '/api/v1/agents/e2e-a1', { key: stack.keys.viewer });
    expect(got.status).toBe(200);
    expect(got.headers.get('etag')).toBe(`"${got.body.version}"`);
    expect(got.body.version).toBe(q.body.version);

    const again = await api(stack, 'POST', '/api/v1/agents/e2e-a1/quarantine', { key: stack.keys.operator, body: { reason: 'again' } });
    expect(again.body).toMatchObject({ status: 409, code: 'QUARANTINE.ALREADY_ACTIVE' });

    const noted = await api(stack, 'POST', '/api/v1/agents/e2e-a1/notes', { key: stack.keys.operator, body: { note: 'looking into it' } });
    expect(noted.status).toBe(201);
    expect(noted.body.quarantine.notes).toEqual([expect.objectContaining({ note: 'looking into it', author: 'bootstrap-operator' })]);

    const stale = await api(stack, 'POST', '/api/v1/agents/e2e-a1/escalate', {
      key: stack.keys.operator,
      body: { reason: 'worse' },
      headers: { 'If-Match': `"${got.body.version}"` },
    });
    expect(stale.body).toMatchObject({ status: 412, code: 'AGENT.VERSION_MISMATCH' });

    const escalated = await api(stack, 'POST', '/api/v1/agents/e2e-a1/escalate', {
      key: stack.keys.operator,
      body: { reason: 'worse' },
      headers: { 'If-Match': `"${noted.body.version}"` },
    });
    expect(escalated.status).toBe(200);
    expect(escalated.body).toMatchObject({ status: 'suspended', quarantine: { level: 'suspended' } });
    const toTerminated = await api(stack, 'POST', '/api/v1/agents/e2e-a1/escalate', { key: stack.keys.operator, body: { reason: 'worst' } });
    expect(toTerminated.body).toMatchObject({ status: 403, code: 'QUARANTINE.TERMINATE_REQUIRES_ADMIN' });

    const released = await api(stack, 'POST', '/api/v1/agents/e2e-a1/release', { key: stack.keys.operator, body: { resolution: 'fixed' } });
    expect(released.status).toBe(200);
    expect(released.body).toMatchObject({ status: 'active', quarantine: null });
    const notActive = await api(stack, 'POST', '/api/v1/agents/e2e-a1/release', { key: stack.keys.operator, body: { resolution: 'again' } });
    expect(notActive.body).toMatchObject({ status: 409, code: 'QUARANTINE.NOT_ACTIVE' });
  });

  it('replays a write with the same Idempotency-Key, refuses the key for another request', async () => {
    await register('e2e-a2');
    const headers = { 'Idempotency-Key': 'e2e-idem-1' };
    const first = await api(stack, 'POST', '/api/v1/agents/e2e-a2/quarantine', { key: stack.keys.operator, body: { reason: 'once' }, headers });
    expect(first.status).toBe(201);
    const repeat = await api(stack, 'POST', '/api/v1/agents/e2e-a2/quarantine', { key: stack.keys.operator, body: { reason: 'once' }, headers });
    expect(repeat.status).toBe(201);
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');
    expect(repeat.body).toEqual(first.body);
    const other = await api(stack, 'POST', '/api/v1/agents/e2e-a2/quarantine', { key: stack.keys.operator, body: { reason: 'twice' }, headers });
    expect(other.body).toMatchObject({ status: 422, code: 'REQUEST.IDEMPOTENCY_KEY_REUSED' });
    const events = await api(stack, 'GET', '/api/v1/events?agentId=e2e-a2&type=AgentQuarantined', { key: stack.keys.viewer });
    expect(events.body.items).toHaveLength(1);
  });

  it('terminate needs an admin; terminate-all terminates what is quarantined', async () => {
    await register('e2e-a3');
    await register('e2e-a4');
    const asOperator = await api(stack, 'POST', '/api/v1/agents/e2e-a3/terminate', { key: stack.keys.operator, body: { resolution: 'bye' } });
    expect(asOperator.status).toBe(403);
    const asAdmin = await api(stack, 'POST', '/api/v1/agents/e2e-a3/terminate', { key: stack.keys.admin, body: { resolution: 'bye' } });
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.body.status).toBe('terminated');
    const afterwards = await api(stack, 'POST', '/api/v1/agents/e2e-a3/quarantine', { key: stack.keys.operator, body: { reason: 'x' } });
    expect(afterwards.body.code).toBe('AGENT.TERMINATED');

    const q4 = await api(stack, 'POST', '/api/v1/agents/e2e-a4/quarantine', { key: stack.keys.operator, body: { reason: 'bad', severity: 'critical' } });
    expect(q4.status).toBe(201);
    const quarantines = await api(stack, 'GET', '/api/v1/quarantines?active=true', { key: stack.keys.viewer });
    expect(quarantines.status).toBe(200);
    const active = quarantines.body.items.map((r: { agentId: string }) => r.agentId);
    expect(active).toEqual(expect.arrayContaining(['e2e-a4', 'e2e-a2']));
    expect((await api(stack, 'POST', '/api/v1/quarantines/terminate-all', { key: stack.keys.operator })).status).toBe(403);
    const all = await api(stack, 'POST', '/api/v1/quarantines/terminate-all', { key: stack.keys.admin, body: { resolution: 'cleanup' } });
    expect(all.status).toBe(200);
    expect(all.body).toEqual({ terminated: active.length, failed: [] });
    expect((await api(stack, 'GET', '/api/v1/agents/e2e-a4', { key: stack.keys.viewer })).body.status).toBe('terminated');
    expect((await api(stack, 'GET', '/api/v1/quarantines?active=true', { key: stack.keys.viewer })).body.items).toEqual([]);
  });

  it('reports, lists events in order, and verifies the log', async () => {
    const report = await api(stack, 'GET', '/api/v1/report', { key: stack.keys.viewer });
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ totalQuarantined: 3, currentlyQuarantined: 0, released: 1, posture: 'operator' });
    expect(report.body.terminated).toBeGreaterThanOrEqual(2);
    expect(report.body.bySeverity).toMatchObject({ high: 1, critical: 1, medium: 1 });
    expect(typeof report.body.summary).toBe('string');

    const page1 = await api(stack, 'GET', '/api/v1/events?aggregate=agent&limit=3', { key: stack.keys.viewer });
    expect(page1.status).toBe(200);
    expect(page1.body.items).toHaveLength(3);
    const page2 = await api(stack, 'GET', `/api/v1/events?aggregate=agent&limit=3&cursor=${page1.body.nextCursor}`, { key: stack.keys.viewer });
    const seqs = [...page1.body.items, ...page2.body.items].map((e: { seq: number }) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(6);
    expect(page1.body.items[0]).toMatchObject({ type: 'AgentRegistered', hash: expect.stringMatching(/^[0-9a-f]{64}$/) });

    const verify = await api(stack, 'GET', '/api/v1/events/verify', { key: stack.keys.viewer });
    expect(verify.status).toBe(200);
    expect(verify.body).toMatchObject({ valid: true });
    expect(verify.body.checked).toBeGreaterThanOrEqual(seqs.length);
  });

  it('stops gracefully on SIGTERM', async () => {
    const started = Date.now();
    await stack.kill('gateway', true);
    const gw = stack.services.get('gateway')!.process;
    expect(gw.exitCode ?? gw.signalCode).not.toBeNull();
    expect(Date.now() - started).toBeLessThan(5_000);
    stack.start('gateway');
    await eventually(async () => (await api(stack, 'GET', '/health').catch(() => ({ status: 0 }))).status === 200, 30_000, 100);
  });

  it('answers bad input with problem+json and never crashes', async () => {
    const badJson = await api(stack, 'POST', '/api/v1/agents/e2e-a1/quarantine', { key: stack.keys.operator, body: '{"reason":' });
    expect(badJson.body).toMatchObject({ status: 400, code: 'REQUEST.MALFORMED' });
    const extra = await api(stack, 'POST', '/api/v1/agents/e2e-a1/quarantine', { key: stack.keys.operator, body: { reason: 'x', severity: 'huge', evil: 1 } });
    expect(extra.status).toBe(400);
    expect(extra.headers.get('content-type')).toContain('application/problem+json');
    expect(extra.body.code).toBe('VALIDATION.FAILED');
    expect(extra.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['evil', 'severity']);
    expect((await api(stack, 'GET', '/api/v1/agents/not%20valid', { key: stack.keys.viewer })).body.code).toBe('VALIDATION.FAILED');
    expect((await api(stack, 'GET', '/api/v1/agents?limit=0', { key: stack.keys.viewer })).body.code).toBe('VALIDATION.FAILED');
    expect((await api(stack, 'GET', '/api/v1/agents?cursor=garbage', { key: stack.keys.viewer })).body.code).toBe('VALIDATION.FAILED');
    expect((await api(stack, 'GET', '/api/v1/nothing-here', { key: stack.keys.viewer })).body).toMatchObject({ status: 404, code: 'ROUTE.NOT_FOUND' });
    const huge = await api(stack, 'POST', '/api/v1/agents/e2e-a1/notes', { key: stack.keys.operator, body: { note: 'x'.repeat(9_000_000) } }); // over the 8 MiB body limit
    expect(huge.body).toMatchObject({ status: 413 });
    const ok = await api(stack, 'GET', '/health');
    expect(ok.status).toBe(200);
    expect(stack.services.get('gateway')!.process.exitCode).toBeNull();
  });
});
