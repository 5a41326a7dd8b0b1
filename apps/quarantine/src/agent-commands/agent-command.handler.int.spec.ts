import type { NatsConnection } from '@nats-io/transport-node';
import { names as namesOf, type AgentCommandReply, type AgentCommandRequest, type Names, type ReportInfection } from '@immune/contracts';
import { EventStore, provisionAll } from '@immune/platform-jetstream';
import { destroyNamespace, freshNamespace, testNats } from '@immune/testing';
import { AgentCommandHandler } from './agent-command.handler';
import { AgentRepository } from './agent.repository';

describe('AgentCommandHandler against the real event log', () => {
  let nc: NatsConnection;
  let names: Names;
  let ns: string;
  let seq = 0;

  const handler = () => {
    const store = new EventStore(nc, names);
    return new AgentCommandHandler(store, new AgentRepository(store));
  };
  const req = (agentId: string, command: AgentCommandRequest['command'], extra: Partial<AgentCommandRequest> = {}): AgentCommandRequest => ({
    commandId: `c-${++seq}`,
    agentId,
    actor: 'spec',
    command,
    ...extra,
  });
  const quarantine = (reason = 'spec'): AgentCommandRequest['command'] => ({ type: 'QuarantineAgent', quarantineId: `q-${++seq}`, reason });
  const ok = (r: AgentCommandReply) => {
    if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.detail}`);
    return r;
  };
  const codeOf = (r: AgentCommandReply) => (r.ok ? 'ok' : r.error.code);

  beforeAll(async () => {
    ns = freshNamespace('q');
    names = namesOf(ns);
    nc = await testNats();
    await provisionAll(nc, names);
  });
  afterAll(async () => {
    await nc.close();
    await destroyNamespace(ns);
  });

  it('registers, quarantines and releases, each event chained to the one before', async () => {
    const h = handler();
    const reg = ok(await h.handle(req('a1', { type: 'RegisterAgent', model: 'gpt', agentType: 'coder', mcpServers: ['fs'] })));
    expect(reg.eventTypes).toEqual(['AgentRegistered']);
    const q = ok(await h.handle(req('a1', quarantine())));
    expect(q.eventTypes).toEqual(['AgentQuarantined']);
    expect(q.version).toBeGreaterThan(reg.version);
    const r = ok(await h.handle(req('a1', { type: 'ReleaseAgent', resolution: 'fine' })));
    expect(r.eventTypes).toEqual(['AgentReleased']);

    const { events } = await new EventStore(nc, names).readAggregate('agent', 'a1');
    expect(events.map((e) => e.envelope.type)).toEqual(['AgentRegistered', 'AgentQuarantined', 'AgentReleased']);
    expect(events[0]!.envelope.prevHash).toBeNull();
    expect(events[1]!.envelope.prevHash).toBe(events[0]!.envelope.hash);
    expect(events[2]!.envelope.prevHash).toBe(events[1]!.envelope.hash);
    expect(events.every((e) => e.envelope.actor === 'spec')).toBe(true);
  });

  it('refuses a new agent with AGENT.REGISTRATION_CLOSED while the posture closes registration; a known agent is unaffected', async () => {
    let open = true;
    const store = new EventStore(nc, names);
    const h = new AgentCommandHandler(store, new AgentRepository(store), () => new Date(), () => undefined, () => open);
    ok(await h.handle(req('known-1', { type: 'RegisterAgent', model: 'm' })));
    open = false;
    expect(codeOf(await h.handle(req('new-1', { type: 'RegisterAgent', model: 'm' })))).toBe('AGENT.REGISTRATION_CLOSED');
    expect((await store.readAggregate('agent', 'new-1')).events).toEqual([]);
    expect(ok(await h.handle(req('known-1', { type: 'RegisterAgent', model: 'm' }))).eventTypes).toEqual([]);
    open = true;
    expect(ok(await h.handle(req('new-1', { type: 'RegisterAgent', model: 'm' }))).eventTypes).toEqual(['AgentRegistered']);
  });

  it('answers AGENT.NOT_FOUND for an unknown agent and VALIDATION.FAILED for a malformed request', async () => {
    const h = handler();
    expect(codeOf(await h.handle(req('ghost', quarantine())))).toBe('AGENT.NOT_FOUND');
    expect(codeOf(await h.handle({ agentId: 'x' }))).toBe('VALIDATION.FAILED');
    expect(codeOf(await h.handle({ ...req('bad id', quarantine()) }))).toBe('VALIDATION.FAILED');
    expect(codeOf(await h.handle({ ...req('a9', { type: 'Explode' } as never) }))).toBe('VALIDATION.FAILED');
  });

  it('never lets two concurrent quarantines of one agent both succeed, across two instances', async () => {
    const [h1, h2] = [handler(), handler()];
    for (let round = 0; round < 5; round++) {
      const agentId = `race-${round}`;
      ok(await h1.handle(req(agentId, { type: 'RegisterAgent' })));
      // both instances have the agent cached at the same version before racing
      await h2.handle(req(agentId, { type: 'RegisterAgent' }));
      const replies = await Promise.all([h1.handle(req(agentId, quarantine('one'))), h2.handle(req(agentId, quarantine('two')))]);
      expect(replies.map(codeOf).sort()).toEqual(['QUARANTINE.ALREADY_ACTIVE', 'ok']);
      const { events } = await new EventStore(nc, names).readAggregate('agent', agentId);
      expect(events.filter((e) => e.envelope.type === 'AgentQuarantined')).toHaveLength(1);
    }
  });

  it('appends a retried command once and answers the retry with the first outcome', async () => {
    const h = handler();
    ok(await h.handle(req('retry', { type: 'RegisterAgent' })));
    const command = req('retry', quarantine());
    const first = ok(await h.handle(command));
    const again = ok(await h.handle(command));
    // a fresh instance (e.g. after a crash) recognises it from the log itself
    const fresh = ok(await handler().handle(command));
    expect(again).toMatchObject({ duplicate: true, version: first.version, sequences: first.sequences });
    expect(fresh).toMatchObject({ duplicate: true, version: first.version, sequences: first.sequences });
    const { events } = await new EventStore(nc, names).readAggregate('agent', 'retry');
    expect(events.filter((e) => e.envelope.type === 'AgentQuarantined')).toHaveLength(1);
  });

  it('refuses a stale expected version with AGENT.VERSION_MISMATCH, also when another instance moved on', async () => {
    const [h1, h2] = [handler(), handler()];
    const reg = ok(await h1.handle(req('ifmatch', { type: 'RegisterAgent' })));
    await h2.handle(req('ifmatch', { type: 'RegisterAgent' }));
    ok(await h1.handle(req('ifmatch', quarantine(), { expectedVersion: reg.version })));
    // h2 still holds the old version in its cache: the log decides
    const stale = await h2.handle(req('ifmatch', { type: 'AddQuarantineNote', noteId: 'n1', note: 'x' }, { expectedVersion: reg.version }));
    expect(codeOf(stale)).toBe('AGENT.VERSION_MISMATCH');
  });

  it('escalates restricted → suspended → terminated, the last step only for an admin', async () => {
    const h = handler();
    ok(await h.handle(req('esc', { type: 'RegisterAgent' })));
    ok(await h.handle(req('esc', { type: 'QuarantineAgent', quarantineId: 'q-esc', reason: 'r', level: 'restricted' })));
    expect(ok(await h.handle(req('esc', { type: 'EscalateAgent', reason: 'worse', mayTerminate: false }))).eventTypes).toEqual(['QuarantineEscalated']);
    expect(codeOf(await h.handle(req('esc', { type: 'EscalateAgent', reason: 'worse', mayTerminate: false })))).toBe('QUARANTINE.TERMINATE_REQUIRES_ADMIN');
    expect(ok(await h.handle(req('esc', { type: 'EscalateAgent', reason: 'worst', mayTerminate: true }))).eventTypes).toEqual([
      'QuarantineEscalated',
      'AgentTerminated',
    ]);
    expect(codeOf(await h.handle(req('esc', { type: 'ReleaseAgent', resolution: 'no' })))).toBe('AGENT.TERMINATED');
  });

  describe('infection and approval', () => {
    const infection = (detectionId: string, over: Partial<ReportInfection> = {}): ReportInfection => ({
      type: 'ReportInfection',
      detectionId,
      quarantineId: `q-${detectionId}`,
      anomalies: [{ type: 'latency_spike', metric: 'latencyMs', sigma: 7.2 }],
      deviation: 7.2,
      severity: 'high',
      diagnoses: [{ hypothesis: 'tool_instability', confidence: 0.6 }],
      requiresApproval: true,
      enforce: true,
      fleetWide: false,
      forensic: { recentVitals: [{ latencyMs: 9000 }] },
      ...over,
    });
    /** As the sentinel sends it: a deterministic command id per detection. */
    const fromSentinel = (agentId: string, command: ReportInfection): AgentCommandRequest => ({
      commandId: `infection:${agentId}:${command.detectionId}`,
      agentId,
      actor: 'sentinel',
      command,
    });
    const typesOf = async (agentId: string) =>
      (await new EventStore(nc, names).readAggregate('agent', agentId)).events.map((e) => e.envelope.type);

    it('quarantines once; a retry appends nothing; a second infection while quarantined only records the anomaly', async () => {
      const h = handler();
      ok(await h.handle(req('inf', { type: 'RegisterAgent' })));
      const first = ok(await h.handle(fromSentinel('inf', infection('d1'))));
      expect(first.eventTypes).toEqual(['AnomalyDetected', 'AgentQuarantined', 'ApprovalRequested']);
      expect(first.sequences).toHaveLength(3);

      const retried = ok(await h.handle(fromSentinel('inf', infection('d1'))));
      expect(retried).toMatchObject({ duplicate: true, version: first.version, sequences: first.sequences });
      // also from a fresh instance, which knows the command from the log
      expect(ok(await handler().handle(fromSentinel('inf', infection('d1')))).duplicate).toBe(true);

      const second = ok(await h.handle(fromSentinel('inf', infection('d2'))));
      expect(second.eventTypes).toEqual(['AnomalyDetected']);
      expect(await typesOf('inf')).toEqual(['AgentRegistered', 'AnomalyDetected', 'AgentQuarantined', 'ApprovalRequested', 'AnomalyDetected']);

      const { events } = await new EventStore(nc, names).readAggregate('agent', 'inf');
      expect(events[2]!.envelope).toMatchObject({
        actor: 'sentinel',
        causationId: 'infection:inf:d1',
        data: { quarantineId: 'q-d1', level: 'suspended', reasonCode: 'anomaly', reason: 'latency_spike at 7.2σ', source: 'sentinel', healMode: 'automatic' },
      });
      expect(events[4]!.envelope.data).toMatchObject({ detectionId: 'd2', enforced: false, quarantineId: null });
    });

    it('approves a pending approval once; a second approve is APPROVAL.NOT_PENDING', async () => {
      const h = handler();
      ok(await h.handle(req('appr', { type: 'RegisterAgent' })));
      expect(codeOf(await h.handle(req('appr', { type: 'ApproveHealing' })))).toBe('QUARANTINE.NOT_ACTIVE');
      ok(await h.handle(fromSentinel('appr', infection('d1'))));
      expect(ok(await h.handle(req('appr', { type: 'ApproveHealing', reason: 'go' }))).eventTypes).toEqual(['HealingApproved']);
      expect(codeOf(await h.handle(req('appr', { type: 'ApproveHealing' })))).toBe('APPROVAL.NOT_PENDING');
      expect(codeOf(await h.handle(req('appr', { type: 'RejectHealing' })))).toBe('APPROVAL.NOT_PENDING');
    });

    it('rejects, keeps the agent quarantined, and heal-now settles it', async () => {
      const h = handler();
      ok(await h.handle(req('rej', { type: 'RegisterAgent' })));
      ok(await h.handle(fromSentinel('rej', infection('d1'))));
      expect(ok(await h.handle(req('rej', { type: 'RejectHealing', reason: 'too risky' }))).eventTypes).toEqual(['HealingRejected']);
      expect(codeOf(await h.handle(req('rej', { type: 'ApproveHealing' })))).toBe('APPROVAL.NOT_PENDING');
      expect(ok(await h.handle(req('rej', { type: 'RequestHealing' }))).eventTypes).toEqual(['HealingRequested']);
      // a fresh instance replays the log to the same state: approval settled, still quarantined
      expect(codeOf(await handler().handle(req('rej', { type: 'RejectHealing' })))).toBe('APPROVAL.NOT_PENDING');
      expect(codeOf(await handler().handle(req('rej', quarantine())))).toBe('QUARANTINE.ALREADY_ACTIVE');
    });

    it('records an observed anomaly without enforcing, and drops infections of a terminated agent', async () => {
      const h = handler();
      ok(await h.handle(req('obs', { type: 'RegisterAgent' })));
      expect(ok(await h.handle(fromSentinel('obs', infection('d1', { enforce: false })))).eventTypes).toEqual(['AnomalyDetected']);
      ok(await h.handle(req('obs', { type: 'TerminateAgent', resolution: 'gone' })));
      const dropped = ok(await h.handle(fromSentinel('obs', infection('d2'))));
      expect(dropped).toMatchObject({ sequences: [], eventTypes: [], duplicate: false });
      expect(codeOf(await h.handle(fromSentinel('ghost', infection('d1'))))).toBe('AGENT.NOT_FOUND');
    });
  });
});
