import type { NatsConnection } from '@nats-io/transport-node';
import { names as namesOf, type ConfigView, type Names, type VitalsHistoryView } from '@immune/contracts';
import { api, eventually, startStack, testNats, type Stack } from '@immune/testing';

/**
 * Detection configuration and vitals history through the contract: GET /config, PUT /config/detection (admin,
 * validated, read-your-writes, applied by the sentinel), GET /agents/{id}/vitals and the agent view's
 * `baseline` and `lastVitalAt`.
 */
describe('gateway: detection configuration and vitals history', () => {
  let stack: Stack;
  let nc: NatsConnection;
  let names: Names;

  beforeAll(async () => {
    stack = await startStack(['quarantine', 'projector', 'telemetry', 'sentinel', 'gateway']);
    names = namesOf(stack.env.namespace);
    nc = await testNats();
  });
  afterAll(async () => {
    await nc?.close();
    await stack?.stop();
  });

  const get = (path: string) => api(stack, 'GET', `/api/v1${path}`, { key: stack.keys.viewer });
  const put = (body: unknown, key = stack.keys.admin, headers?: Record<string, string>) =>
    api(stack, 'PUT', '/api/v1/config/detection', { key, body, ...(headers ? { headers } : {}) });

  const vital = (agentId: string, agentType: string, i: number, latencyFactor = 1) =>
    JSON.stringify({
      agentId, agentType, latencyMs: Math.round((1000 + ((i * 37) % 100)) * latencyFactor), inputTokens: 500 + ((i * 13) % 40),
      outputTokens: 200 + ((i * 7) % 20), costUsd: 0.01, toolCalls: 3, retries: 0, success: true, promptHash: 'p1',
    });

  it('shows the design defaults before anything is set, to a viewer', async () => {
    const res = await get('/config');
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"0"');
    const view = res.body as ConfigView;
    expect(view.detection).toMatchObject({ revision: 0, fleet: {}, agentTypes: {}, updatedBy: null });
    expect(view.detection.defaults).toMatchObject({ warmupSamples: 15, ewmaSpan: 50, anomalySigma: 2.5, immediateSigma: 6, fleetMinAgents: 10 });
    expect(view.detection.effective.fleet).toEqual(view.detection.defaults);
  });

  it('refuses a non-admin and invalid settings with CONFIG.INVALID naming the field; stale If-Match is 412', async () => {
    expect((await put({ fleet: { anomalySigma: 3 } }, stack.keys.operator)).status).toBe(403);
    const bad = await put({ agentTypes: { strict: { anomalySigma: 0 } } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(bad.body).toMatchObject({ code: 'CONFIG.INVALID', field: 'agentTypes.strict.anomalySigma', detail: expect.stringContaining('anomalySigma') });
    expect((await put({ fleets: {} })).body).toMatchObject({ code: 'CONFIG.INVALID', field: 'fleets' });
    expect((await put({ fleet: { warmupSamples: 'many' } })).body).toMatchObject({ code: 'CONFIG.INVALID', field: 'fleet.warmupSamples' });
    expect((await put([1, 2])).status).toBe(400);
    expect((await put({ fleet: {} }, stack.keys.admin, { 'if-match': '"7"' })).body).toMatchObject({ code: 'CONFIG.VERSION_MISMATCH' });
    expect((await get('/config')).body.detection.revision).toBe(0);
  });

  it('stores valid settings, visible to the next GET, and the sentinel applies them: a stricter type is judged where the default is not', async () => {
    const res = await put({ agentTypes: { strict: { warmupSamples: 5 } }, reason: 'judge strict agents early' }, stack.keys.admin, { 'if-match': '"0"' });
    expect(res.status).toBe(200);
    const revision = (res.body as ConfigView).detection.revision;
    expect(revision).toBeGreaterThan(0);
    const read = await get('/config');
    expect(read.headers.get('etag')).toBe(`"${revision}"`);
    expect(read.body.detection).toMatchObject({
      revision, agentTypes: { strict: { warmupSamples: 5 } }, updatedBy: 'bootstrap-admin', reason: 'judge strict agents early',
      effective: { fleet: { warmupSamples: 15 }, agentTypes: { strict: { warmupSamples: 5, anomalySigma: 2.5 } } },
    });
    await new Promise((r) => setTimeout(r, 300)); // the sentinel's watch delivers the new revision

    // 8 normal vitals, then a sustained 10× latency: still warming up under the defaults (15), judged under strict (5).
    for (let i = 0; i < 8; i++) {
      nc.publish(names.vitals('strict-1'), vital('strict-1', 'strict', i));
      nc.publish(names.vitals('lax-1'), vital('lax-1', 'lax', i));
    }
    await nc.flush();
    for (let i = 8; i < 11; i++) {
      nc.publish(names.vitals('strict-1'), vital('strict-1', 'strict', i, 10));
      nc.publish(names.vitals('lax-1'), vital('lax-1', 'lax', i, 10));
      await nc.flush();
      await new Promise((r) => setTimeout(r, 50));
    }
    const strict = await eventually(async () => {
      const a = await get('/agents/strict-1');
      return a.status === 200 && a.body.status === 'suspended' && a.body;
    }, 15_000);
    expect(strict.quarantine).toMatchObject({ reasonCode: 'anomaly', source: 'sentinel' });
    await new Promise((r) => setTimeout(r, 1000)); // the lax agent's vitals were scored with the strict one's
    const lax = await get('/agents/lax-1');
    expect(lax.body.status).toBe('active');
  });

  it('serves per-minute rollups, the baseline band and the newest vitals, and fills baseline and lastVitalAt in the agent view', async () => {
    const history = await eventually(async () => {
      const h = await get('/agents/lax-1/vitals');
      const view = h.body as VitalsHistoryView;
      return h.status === 200 && view.items.reduce((n, r) => n + r.count, 0) === 11 && view.baseline !== null && view;
    }, 15_000);
    expect(history).toMatchObject({ agentId: 'lax-1', bucketSeconds: 60 });
    expect(Math.max(...history.items.map((r) => r.latencyMaxMs))).toBeGreaterThanOrEqual(10_000);
    // Still warming up under the defaults: every sample is learned (the sentinel snapshots its baselines every 5 s).
    const latency = await eventually(async () => {
      const l = ((await get('/agents/lax-1/vitals')).body as VitalsHistoryView).baseline?.metrics['latencyMs'];
      return l !== undefined && l.samples === 11 && l;
    }, 15_000);
    expect(latency.mean).toBeGreaterThan(1000);
    expect(history.baseline!.metrics['latencyMs']!.high).toBeGreaterThan(history.baseline!.metrics['latencyMs']!.mean);
    expect(history.recent.length).toBe(11);
    expect(history.lastVitalAt).not.toBeNull();

    const agent = (await get('/agents/lax-1')).body;
    expect(agent.lastVitalAt).toBe(history.lastVitalAt);
    expect(agent.baseline).toMatchObject({ warm: false, metrics: { latencyMs: { samples: latency.samples } } });

    const empty = await get(`/agents/lax-1/vitals?from=${Date.parse(history.from) - 86_400_000}&to=${Date.parse(history.from) - 3_600_000}`);
    expect(empty.body.items).toEqual([]);
    expect((await get('/agents/nobody/vitals')).body).toMatchObject({ code: 'AGENT.NOT_FOUND' });
    expect((await get('/agents/lax-1/vitals?from=yesterday')).body).toMatchObject({ code: 'VALIDATION.FAILED' });
    // the earliest time a Date holds: its default `from` (an hour before) is no date at all
    expect((await get('/agents/lax-1/vitals?to=-271821-04-20T00:00:00Z')).body).toMatchObject({ status: 400, code: 'VALIDATION.FAILED' });
    expect((await get('/agents/lax-1/vitals?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z')).status).toBe(400);
  });

  it('restores the defaults with an empty body', async () => {
    const res = await put({});
    expect(res.status).toBe(200);
    expect((await get('/config')).body.detection).toMatchObject({ fleet: {}, agentTypes: {}, effective: { fleet: { warmupSamples: 15 } } });
  });
});
