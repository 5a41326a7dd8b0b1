import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import { Registry } from 'prom-client';
import {
  POSTURE_KEY,
  names as namesOf,
  parsePostureState,
  type AgentCommandRequest,
  type EscalationCommandBody,
  type EscalationCommandReply,
  type Names,
} from '@immune/contracts';
import { EventStore, provisionAll } from '@immune/platform-jetstream';
import { loadConfig, type RuntimeConfig } from '@immune/platform-runtime';
import { createTestEnv, eventually, testNats, type TestEnv } from '@immune/testing';
import { EscalationService, type EscalationServiceOptions } from './escalation.service';

const quiet = process.env['SPEC_LOG'] ? { info: (o: object, m: string) => console.log(m, o), warn: (o: object, m: string) => console.log(m, o), error: (o: object, m: string) => console.log(m, o) } : { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('escalation service (real NATS)', () => {
  let env: TestEnv;
  let runtime: RuntimeConfig;
  let nc: NatsConnection;
  let names: Names;
  let store: EventStore;
  let config: KV;
  const running: EscalationService[] = [];
  let n = 0;

  const start = async (opts: EscalationServiceOptions = {}) => {
    const s = await EscalationService.start(runtime, quiet, new Registry(), { tickMs: 100, ...opts });
    running.push(s);
    return s;
  };
  const send = (s: EscalationService, command: EscalationCommandBody, actor = 'alice', actorRole: 'operator' | 'admin' | 'viewer' = 'operator'): Promise<EscalationCommandReply> =>
    s.command({ commandId: `cmd-${++n}`, actor, actorRole, command });
  const escalate = (escalationId: string, toProfile: string, escalationType = 'operator_request', extra: object = {}) =>
    ({ type: 'RequestEscalation', escalationId, toProfile, escalationType, reason: 'spec', ...extra }) as EscalationCommandBody;
  const deescalate = (escalationId: string, deescalationType = 'operator_release') => ({ type: 'DeescalateEscalation', escalationId, deescalationType, reason: 'spec' }) as EscalationCommandBody;
  const code = (r: EscalationCommandReply) => (r.ok ? 'ok' : r.error.code);
  const posture = async () => parsePostureState((await config.get(POSTURE_KEY))?.json());
  const eventTypes = async (id: string) => (await store.readAggregate('escalation', id)).events.map((e) => `${e.envelope.type}${e.envelope.type === 'EscalationDeescalated' ? `:${(e.envelope.data as { type: string }).type}` : ''}`);

  beforeAll(async () => {
    env = await createTestEnv('esc');
    runtime = loadConfig(env.env);
    names = namesOf(env.namespace);
    nc = await testNats();
    store = new EventStore(nc, names);
    await provisionAll(nc, names);
    config = await new Kvm(nc).create(names.configBucket, { history: 5 });
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.stop()));
  });
  afterAll(async () => {
    await nc.close();
    await env.cleanup();
  });

  it('drives every step of the policy table, its refusals, the quorum and the irreversible step; the KV follows', async () => {
    const s = await start();
    expect(await posture()).toMatchObject({ current: 'operator', baseline: 'operator' });

    // observe mode and observer → operator (reversible, 1 h)
    expect(code(await send(s, { type: 'ChangePostureBaseline', profile: 'observer', reason: 'preview' }))).toBe('ESCALATION.REQUIRES_ADMIN');
    expect(code(await send(s, { type: 'ChangePostureBaseline', profile: 'observer', reason: 'preview' }, 'root', 'admin'))).toBe('ok');
    expect(await posture()).toMatchObject({ current: 'observer', baseline: 'observer' });
    expect(code(await send(s, escalate('skip', 'guardian')))).toBe('ESCALATION.NO_PATH');
    const op = await send(s, escalate('op', 'operator'));
    expect(op).toMatchObject({ ok: true, current: 'operator', escalation: { status: 'active', fromProfile: 'observer', toProfile: 'operator', reversible: true, ttlSeconds: 3600 } });

    // operator → guardian (2 h)
    const g = await send(s, escalate('g', 'guardian'));
    expect(g).toMatchObject({ ok: true, current: 'guardian', escalation: { ttlSeconds: 7200 } });
    expect(g.ok && g.escalation?.hash).toMatch(/^[0-9a-f]{64}$/);

    // guardian → phoenix: admin, quorum of 2 distinct keys
    expect(code(await send(s, escalate('p', 'phoenix', 'crisis_declared')))).toBe('ESCALATION.REQUIRES_ADMIN');
    const req = await send(s, escalate('p', 'phoenix', 'crisis_declared'), 'root', 'admin');
    expect(req).toMatchObject({ ok: true, current: 'guardian', eventTypes: ['EscalationRequested'], escalation: { status: 'pending', approvals: ['root'], approvalsRequired: 2 } });
    const twice = await send(s, { type: 'ApproveEscalation', escalationId: 'p' }, 'root', 'admin');
    expect(twice).toMatchObject({ ok: true, sequences: [], current: 'guardian', escalation: { status: 'pending', approvals: ['root'] } });
    expect(code(await send(s, { type: 'ApproveEscalation', escalationId: 'p' }, 'peeker', 'viewer'))).toBe('AUTH.FORBIDDEN');
    const quorum = await send(s, { type: 'ApproveEscalation', escalationId: 'p' }, 'bob');
    expect(quorum).toMatchObject({ ok: true, current: 'phoenix', eventTypes: ['EscalationApproved', 'EscalationRaised'], escalation: { status: 'active', approvals: ['root', 'bob'], ttlSeconds: 1800 } });
    expect(code(await send(s, { type: 'ApproveEscalation', escalationId: 'p' }, 'carol'))).toBe('ESCALATION.NOT_PENDING');
    expect(code(await send(s, { type: 'ApproveEscalation', escalationId: 'nope' }, 'carol'))).toBe('ESCALATION.NOT_FOUND');
    expect(await posture()).toMatchObject({ current: 'phoenix', baseline: 'observer' });

    // phoenix → sovereign: irreversible
    const sov = await send(s, escalate('s', 'sovereign', 'sovereign_override'), 'root', 'admin');
    expect(sov).toMatchObject({ ok: true, current: 'sovereign', escalation: { reversible: false, expiresAt: null } });
    expect(code(await send(s, escalate('beyond', 'sovereign', 'sovereign_override'), 'root', 'admin'))).toBe('ESCALATION.NO_PATH');
    expect(code(await send(s, deescalate('s', 'operator_release'), 'root', 'admin'))).toBe('ESCALATION.IRREVERSIBLE');
    expect(code(await send(s, deescalate('g')))).toBe('ESCALATION.NO_PATH');
    expect(code(await send(s, deescalate('s', 'sovereign_revoke'), 'root', 'admin'))).toBe('ok');

    // down one step at a time, back to the resting posture
    expect(await send(s, deescalate('p', 'crisis_concluded'))).toMatchObject({ ok: true, current: 'guardian' });
    expect(await send(s, deescalate('g'))).toMatchObject({ ok: true, current: 'operator' });
    expect(await send(s, deescalate('op'))).toMatchObject({ ok: true, current: 'observer' });
    expect(code(await send(s, deescalate('op')))).toBe('ESCALATION.NOT_ACTIVE');
    expect(await posture()).toMatchObject({ current: 'observer', baseline: 'observer' });
    expect(await eventTypes('p')).toEqual(['EscalationRequested', 'EscalationApproved', 'EscalationRaised', 'EscalationDeescalated:crisis_concluded']);
    const chain = (await store.readAggregate('escalation', 'p')).events;
    expect(chain.map((e) => e.envelope.prevHash)).toEqual([null, chain[0]!.envelope.hash, chain[1]!.envelope.hash, chain[2]!.envelope.hash]);

    // a repeated command id answers the first outcome
    const first = await s.command({ commandId: 'same', actor: 'root', actorRole: 'admin', command: { type: 'ChangePostureBaseline', profile: 'operator', reason: 'back' } });
    const again = await s.command({ commandId: 'same', actor: 'root', actorRole: 'admin', command: { type: 'ChangePostureBaseline', profile: 'operator', reason: 'back' } });
    expect(first).toMatchObject({ ok: true, duplicate: false, current: 'operator' });
    expect(again).toMatchObject({ ok: true, duplicate: true, sequences: first.ok ? first.sequences : [] });

    // bad input over NATS is a clear refusal, and the service goes on
    const raw = await nc.request(names.escalationCommands, '{not json', { timeout: 5000 });
    expect(raw.json()).toMatchObject({ ok: false, error: { code: 'VALIDATION.FAILED' } });
  });

  it('a TTL that expires while the service is stopped fires on restart, once', async () => {
    let s = await start();
    const g = await send(s, escalate('short', 'guardian', 'operator_request', { ttlSeconds: 2 }));
    expect(g).toMatchObject({ ok: true, current: 'guardian' });
    await s.stop();
    await new Promise((r) => setTimeout(r, 2500));
    expect(await eventTypes('short')).toEqual(['EscalationRaised']);
    s = await start();
    await eventually(async () => (await posture())?.current === 'operator', 10_000);
    expect(await eventTypes('short')).toEqual(['EscalationRaised', 'EscalationDeescalated:timeout_expired']);
    // a second restart (and a second instance meanwhile) does not fire it again
    const twin = await start();
    await s.stop();
    await new Promise((r) => setTimeout(r, 500));
    expect(twin.timers.filter((k) => k.startsWith('esc:'))).toEqual([]);
    expect(await eventTypes('short')).toEqual(['EscalationRaised', 'EscalationDeescalated:timeout_expired']);
  });

  it('releases an expired quarantine with a deterministic ReleaseAgent, and escalates/de-escalates on fleet-wide threats', async () => {
    const released: AgentCommandRequest[] = [];
    const responder = nc.subscribe(names.agentCommands, {
      callback: (_e, m) => {
        const r = m.json<AgentCommandRequest>();
        released.push(r);
        m.respond(JSON.stringify({ ok: true, agentId: r.agentId, version: 1, sequences: [], eventTypes: [], duplicate: false }));
      },
    });
    const agentEvent = async (agentId: string, type: string, data: object) => {
      const head = await store.readAggregate('agent', agentId);
      await store.append({ aggregate: 'agent', aggregateId: agentId, agentId, events: [{ type, data }], expectedVersion: head.version, prevHash: head.lastHash, actor: 'spec', correlationId: `c${++n}`, causationId: `c${n}`, now: new Date().toISOString() });
    };
    for (let i = 0; i < 10; i++) await agentEvent(`a${i}`, 'AgentRegistered', { model: null, agentType: null, mcpServers: [] });
    await agentEvent('a0', 'AgentQuarantined', { quarantineId: 'q-a0', level: 'suspended', expiresAt: new Date(Date.now() + 1500).toISOString() });

    const s = await start({ quietMs: 2000, threatWindowMs: 1000 });
    await eventually(async () => released.length > 0, 10_000);
    expect(released[0]).toMatchObject({ commandId: 'expire:q-a0', agentId: 'a0', actor: 'escalation', command: { type: 'ReleaseAgent', resolution: 'expired' } });
    responder.unsubscribe();

    // 4 of 10 agents with a fleet-wide anomaly: confidence ≥ 0.8 → guardian on its own
    for (let i = 1; i <= 4; i++) await agentEvent(`a${i}`, 'AnomalyDetected', { detectionId: `d${i}`, fleetWide: true, enforced: false, anomalies: [], deviation: 4, severity: 'medium', diagnoses: [], quarantineId: null });
    await eventually(async () => (await posture())?.current === 'guardian', 10_000);
    const auto = s.book.postureView().activeEscalations[0];
    expect(auto).toMatchObject({ type: 'threat_detected', requestedBy: 'escalation', fromProfile: 'operator', toProfile: 'guardian' });
    expect(auto?.context?.['confidence']).toBeGreaterThanOrEqual(0.8);
    // quiet for 2 s: threat_resolved, back to operator
    await eventually(async () => (await posture())?.current === 'operator', 10_000);
    expect(await eventTypes(auto!.escalationId)).toEqual(['EscalationRaised', 'EscalationDeescalated:threat_resolved']);
  });

  it('a TTL that expires below the top escalation waits, without a retry loop, and fires once it is the top', async () => {
    const registry = new Registry();
    const s = await EscalationService.start(runtime, quiet, registry, { tickMs: 100, retryMs: 100 });
    running.push(s);
    expect(await send(s, escalate('low', 'guardian', 'operator_request', { ttlSeconds: 1 }))).toMatchObject({ ok: true, current: 'guardian' });
    expect(await send(s, escalate('top', 'phoenix', 'crisis_declared'), 'root', 'admin')).toMatchObject({ ok: true });
    expect(await send(s, { type: 'ApproveEscalation', escalationId: 'top' }, 'bob')).toMatchObject({ ok: true, current: 'phoenix' });
    await new Promise((r) => setTimeout(r, 2000));
    const refused = async () =>
      (await registry.getSingleMetric('immune_escalation_commands_total')!.get()).values
        .filter((v) => v.labels['type'] === 'DeescalateEscalation' && v.labels['outcome'] === 'refused')
        .reduce((sum, v) => sum + v.value, 0);
    // The timer of `low` fired below phoenix: nothing recorded, nothing refused, no retry spinning every retryMs.
    expect(await refused()).toBe(0);
    expect(s.timers.filter((k) => k.includes('low'))).toEqual([]);
    expect(await eventTypes('low')).toEqual(['EscalationRaised']);
    expect(await send(s, deescalate('top', 'crisis_concluded'))).toMatchObject({ ok: true, current: 'guardian' });
    await eventually(async () => (await posture())?.current === 'operator', 10_000);
    expect(await eventTypes('low')).toEqual(['EscalationRaised', 'EscalationDeescalated:timeout_expired']);
  });
});
