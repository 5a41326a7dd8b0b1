import type { DataSource } from 'typeorm';
import { FULL_RESTRICTIONS, ImmuneError, type AgentView, type EventEnvelope, type StoredEvent } from '@immune/contracts';
import { agentsProjection, evolveAgent } from '@immune/read-models';
import { createTestEnv, type TestEnv } from '@immune/testing';
import { AgentQueries } from '../agents/agent.queries';
import { HealAllHandler } from '../agents/heal-all/heal-all.handler';
import type { AgentCommandInput } from '../commands/agent-command.handler';
import type { CommandAccepted } from '../commands/command.client';
import type { SqlRunner } from '../common/sql';
import { openMigratedDb } from '../int-db.spec-helper';
import type { Caller } from '../keys/api-key.service';
import { DecideAllApprovalsHandler } from './decide-all.handler';

/**
 * The approval queries and the bulk handlers against a real `agents` table whose rows the agents projection
 * itself built from events. Commands go to a recorder (the quarantine service is the e2e spec's business).
 */
describe('approvals: queries and bulk handlers (real PostgreSQL)', () => {
  let env: TestEnv;
  let ds: DataSource;
  let sql: SqlRunner;
  let agents: AgentQueries;
  const caller: Caller = { name: 'op', role: 'operator' };

  let seq = 0;
  const event = (agentId: string, type: string, data: unknown): StoredEvent => {
    seq++;
    const envelope: EventEnvelope = {
      schemaVersion: 1,
      id: `e-${seq}`,
      type,
      aggregate: 'agent',
      aggregateId: agentId,
      agentId,
      occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
      actor: 'spec',
      correlationId: `c-${seq}`,
      causationId: `c-${seq}`,
      data,
      prevHash: null,
      hash: `h-${seq}`,
    };
    return { seq, subject: `t.events.agent.${agentId}`, envelope };
  };
  const quarantined = (healMode: 'automatic' | 'manual') => ({
    quarantineId: 'q1',
    level: 'suspended',
    reasonCode: healMode === 'automatic' ? 'anomaly' : 'manual',
    reason: 'r',
    severity: 'high',
    source: 'x',
    expiresAt: null,
    restrictions: FULL_RESTRICTIONS,
    healMode,
    diagnoses: [],
    deviation: 7,
    forensic: null,
  });
  const decision = { quarantineId: 'q1', reason: null };

  /** Agent id → the event types after registration that its row is built from. */
  const histories: Record<string, [string, unknown][]> = {
    'a-approved': [['AgentQuarantined', quarantined('automatic')], ['ApprovalRequested', decision], ['HealingApproved', decision]],
    'a-auto': [['AgentQuarantined', quarantined('automatic')]],
    'a-free': [],
    'a-manual': [['AgentQuarantined', quarantined('manual')]],
    'a-manual-healed': [['AgentQuarantined', quarantined('manual')], ['HealingRequested', decision]],
    'a-pending-1': [['AgentQuarantined', quarantined('automatic')], ['ApprovalRequested', decision]],
    'a-pending-2': [['AgentQuarantined', quarantined('automatic')], ['ApprovalRequested', decision]],
    'a-rejected': [['AgentQuarantined', quarantined('automatic')], ['ApprovalRequested', decision], ['HealingRejected', decision]],
    'a-rejected-healed': [
      ['AgentQuarantined', quarantined('automatic')],
      ['ApprovalRequested', decision],
      ['HealingRejected', decision],
      ['HealingRequested', decision],
    ],
    'a-terminated': [
      ['AgentQuarantined', quarantined('manual')],
      ['AgentTerminated', { quarantineId: 'q1', resolution: 'x', durationSeconds: 1, restrictions: FULL_RESTRICTIONS }],
    ],
  };

  /** Records the commands sent; refuses the agents in `refuse` with their code. */
  function recorder(refuse: Record<string, ImmuneError | Error> = {}) {
    const sent: AgentCommandInput[] = [];
    return {
      sent,
      send: async (input: AgentCommandInput): Promise<CommandAccepted> => {
        sent.push(input);
        const refusal = refuse[input.agentId];
        if (refusal) throw refusal;
        return { ok: true, agentId: input.agentId, version: 1, sequences: [1], eventTypes: [], duplicate: false };
      },
    };
  }

  beforeAll(async () => {
    env = await createTestEnv('gap');
    ({ ds, sql } = await openMigratedDb(env.env));
    agents = new AgentQueries(sql, env.namespace);
    const columns = agentsProjection.columns.map((c) => c.name).join(', ');
    const placeholders = agentsProjection.columns.map((c, i) => `$${i + 1}${c.type === 'jsonb' ? '::jsonb' : ''}`).join(', ');
    for (const [agentId, history] of Object.entries(histories)) {
      const events = [event(agentId, 'AgentRegistered', { model: null, agentType: null, mcpServers: [] }), ...history.map(([t, d]) => event(agentId, t, d))];
      const view = events.reduce<AgentView | null>((v, e) => evolveAgent(v, e), null)!;
      const values = agentsProjection.toColumns(view).map((v, i) => (agentsProjection.columns[i]!.type === 'jsonb' ? JSON.stringify(v) : v));
      await sql.query(`INSERT INTO "${env.namespace}".agents (${columns}) VALUES (${placeholders})`, values);
    }
  });
  afterAll(async () => {
    await ds?.destroy();
    await env?.cleanup();
  });

  it('lists the agents whose active quarantine has an approval state, by agent_id, with a cursor', async () => {
    const first = await agents.list({ approval: 'pending' }, 1);
    expect(first.items.map((a) => a.agentId)).toEqual(['a-pending-1']);
    expect(first.total).toBe(2);
    const second = await agents.list({ approval: 'pending' }, 1, first.nextCursor!);
    expect(second.items.map((a) => a.agentId)).toEqual(['a-pending-2']);
    expect(second.nextCursor).toBeNull();
    expect((await agents.list({ approval: 'rejected' }, 50)).items.map((a) => a.agentId)).toEqual(['a-rejected']);
    expect((await agents.list({ approval: 'approved' }, 50)).items.map((a) => a.agentId)).toEqual(['a-approved', 'a-rejected-healed']);
    expect(await agents.idsByApproval('pending')).toEqual(['a-pending-1', 'a-pending-2']);
  });

  it('heal-all picks manual quarantines not yet asked to heal and rejected ones', async () => {
    expect(await agents.healableIds()).toEqual(['a-manual', 'a-rejected']);
  });

  it('approve-all sends ApproveHealing to each pending agent and reports refusals in agentId order', async () => {
    const commands = recorder({ 'a-pending-1': new ImmuneError('APPROVAL.NOT_PENDING', 't', 'settled meanwhile') });
    const result = await new DecideAllApprovalsHandler(agents, commands).approveAll(caller, 'go', 'idem-1');
    expect(result).toEqual({ approved: 1, failed: [{ agentId: 'a-pending-1', code: 'APPROVAL.NOT_PENDING' }] });
    expect(commands.sent.map((c) => [c.agentId, c.command, c.scope, c.idempotencyKey]).sort()).toEqual([
      ['a-pending-1', { type: 'ApproveHealing', reason: 'go' }, 'ApproveHealing-all:a-pending-1', 'idem-1'],
      ['a-pending-2', { type: 'ApproveHealing', reason: 'go' }, 'ApproveHealing-all:a-pending-2', 'idem-1'],
    ]);
  });

  it('reject-all sends RejectHealing to each pending agent; an unexpected failure counts as INTERNAL', async () => {
    const commands = recorder({ 'a-pending-2': new Error('boom') });
    const result = await new DecideAllApprovalsHandler(agents, commands).rejectAll(caller, null);
    expect(result).toEqual({ rejected: 1, failed: [{ agentId: 'a-pending-2', code: 'INTERNAL' }] });
    expect(commands.sent.every((c) => c.command.type === 'RejectHealing' && c.idempotencyKey === undefined)).toBe(true);
  });

  it('heal-all sends RequestHealing to each agent that waits for heal-now', async () => {
    const commands = recorder();
    const result = await new HealAllHandler(agents, commands).execute(caller, 'window');
    expect(result).toEqual({ requested: 2, failed: [] });
    expect(commands.sent.map((c) => [c.agentId, c.command]).sort()).toEqual([
      ['a-manual', { type: 'RequestHealing', reason: 'window' }],
      ['a-rejected', { type: 'RequestHealing', reason: 'window' }],
    ]);
    expect(commands.sent.map((c) => c.scope).sort()).toEqual(['heal-all:a-manual', 'heal-all:a-rejected']);
  });
});
