import type { DataSource } from 'typeorm';
import { isImmuneError, type AgentView, type QuarantineRecordView } from '@immune/contracts';
import { createTestEnv, type TestEnv } from '@immune/testing';
import type { SqlRunner } from '../common/sql';
import { EventQueries } from '../events/event.queries';
import { openMigratedDb } from '../int-db.spec-helper';
import { QuarantineQueries } from '../quarantines/quarantine.queries';
import { restingPosture } from '../report/posture';
import { ReportQueries } from '../report/report.queries';
import { AgentQueries } from './agent.queries';

/** Lists and cursors against seeded read-model tables (rows inserted by SQL after the migrations). */
// Per-project testTimeout in jest.config.js does not reach hooks: database setup and cleanup need more than 5 s.

describe('read-model queries', () => {
  let env: TestEnv;
  let ds: DataSource;
  let sql: SqlRunner;
  let schema: string;
  const t = (name: string) => `"${schema}".${name}`;

  const agentDoc = (i: number): AgentView => {
    const quarantined = i % 3 === 0;
    return {
      agentId: `agent-${String(i).padStart(3, '0')}`,
      status: quarantined ? 'suspended' : 'active',
      restrictions: { toolsRevoked: quarantined, autonomyReduced: quarantined, replicationBlocked: quarantined, networkRestricted: quarantined, probation: false },
      quarantine: quarantined
        ? {
            quarantineId: `q-${i}`,
            level: 'suspended',
            reasonCode: 'manual',
            reason: 'test',
            severity: i % 2 === 0 ? 'high' : 'low',
            source: i % 2 === 0 ? 'sentinel' : 'alice',
            quarantinedAt: '2026-01-01T00:00:00.000Z',
            expiresAt: null,
            approval: 'none',
            healing: 'idle',
            diagnoses: [],
            deviation: null,
            notes: [],
            healMode: 'manual',
            healRequestedAt: null,
          }
        : null,
      baseline: null,
      lastVitalAt: null,
      model: null,
      agentType: null,
      mcpServers: [],
      registeredAt: '2026-01-01T00:00:00.000Z',
      version: i,
    };
  };

  beforeAll(async () => {
    env = await createTestEnv('gq');
    ({ ds, sql, schema } = await openMigratedDb(env.env));
    for (let i = 1; i <= 30; i++) {
      const d = agentDoc(i);
      const q = d.quarantine;
      await sql.query(
        `INSERT INTO ${t('agents')} (agent_id, status, severity, source, reason_code, quarantined, version, doc)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)`,
        [d.agentId, d.status, q?.severity ?? null, q?.source ?? null, q?.reasonCode ?? null, q !== null, d.version, JSON.stringify(d)],
      );
      if (q) {
        const rec: QuarantineRecordView = {
          ...q,
          agentId: d.agentId,
          active: i !== 30,
          outcome: i === 30 ? 'released' : 'active',
          endedAt: null,
          resolution: null,
          durationSeconds: null,
          escalations: 0,
          forensic: null,
        };
        await sql.query(
          `INSERT INTO ${t('quarantines')} (quarantine_id, agent_id, active, severity, source, reason_code, quarantined_at, ended_at, opened_seq, doc)
           VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $9::jsonb)`,
          [q.quarantineId, d.agentId, rec.active, q.severity, q.source, q.reasonCode, q.quarantinedAt, 100 + i, JSON.stringify(rec)],
        );
      }
    }
    for (let seq = 1; seq <= 12; seq++) {
      await sql.query(
        `INSERT INTO ${t('events')} (seq, id, subject, type, aggregate, aggregate_id, agent_id, occurred_at, actor, correlation_id,
                                     causation_id, data, prev_hash, hash)
         VALUES ($1, $2, $3, $4, 'agent', $5, $5, $6, 'alice', 'c', 'c', $7::jsonb, NULL, $8)`,
        [seq, `e-${seq}`, `${schema}.events.agent.a${seq % 2}`, seq % 4 === 0 ? 'AgentQuarantined' : 'AgentRegistered', `a${seq % 2}`,
          new Date(Date.UTC(2026, 0, 1, 0, 0, seq)), JSON.stringify({ n: seq }), `h${seq}`],
      );
    }
  });
  afterAll(async () => {
    await ds?.destroy();
    await env?.cleanup();
  });

  it('pages agents by agent_id with an opaque cursor; total counts every match', async () => {
    const agents = new AgentQueries(sql, schema);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await agents.list({}, 7, cursor);
      expect(page.total).toBe(30);
      seen.push(...page.items.map((a) => a.agentId));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(5);
    expect(seen).toEqual([...seen].sort());
    expect(new Set(seen).size).toBe(30);
  });

  it('reads agents asked for in the same turn with one query, each caller its own answer', async () => {
    const statements: string[] = [];
    const counted: SqlRunner = { query: (text, params) => (statements.push(text), sql.query(text, params)) };
    const agents = new AgentQueries(counted, schema);
    const [a, b, again, missing] = await Promise.all([agents.get('agent-003'), agents.get('agent-004'), agents.get('agent-003'), agents.get('nobody')]);
    expect(a).toEqual(agentDoc(3));
    expect(b).toEqual(agentDoc(4));
    expect(again).toEqual(agentDoc(3));
    expect(missing).toBeNull();
    expect(statements).toHaveLength(1);
    // A later turn reads again (never a cached answer).
    await sql.query(`UPDATE ${t('agents')} SET doc = jsonb_set(doc, '{version}', '99') WHERE agent_id = 'agent-004'`);
    expect((await agents.get('agent-004'))?.version).toBe(99);
    expect(statements).toHaveLength(2);
    await sql.query(`UPDATE ${t('agents')} SET doc = $1::jsonb WHERE agent_id = 'agent-004'`, [JSON.stringify(agentDoc(4))]);
  });

  it('filters agents', async () => {
    const agents = new AgentQueries(sql, schema);
    const suspended = await agents.list({ status: 'suspended' }, 50);
    expect(suspended.total).toBe(10);
    expect(suspended.items.every((a) => a.status === 'suspended')).toBe(true);
    const high = await agents.list({ status: 'suspended', severity: 'high', source: 'sentinel' }, 2);
    expect(high.total).toBe(5);
    expect(high.items).toHaveLength(2);
    expect(high.nextCursor).not.toBeNull();
    expect((await agents.list({ severity: 'critical' }, 50)).items).toEqual([]);
    expect(await agents.get('agent-003')).toMatchObject({ agentId: 'agent-003', version: 3 });
    expect(await agents.get('nope')).toBeNull();
    expect(await agents.quarantinedIds()).toHaveLength(10);
  });

  it('refuses a forged cursor', async () => {
    const err = await new AgentQueries(sql, schema).list({}, 5, 'eyJ4Ijox').catch((e: unknown) => e);
    expect(isImmuneError(err) && err.code).toBe('VALIDATION.FAILED');
  });

  it('lists quarantines newest first, with filters and cursor', async () => {
    const quarantines = new QuarantineQueries(sql, schema);
    const all = await quarantines.list({}, 4);
    expect(all.total).toBe(10);
    expect(all.items.map((q) => q.agentId)).toEqual(['agent-030', 'agent-027', 'agent-024', 'agent-021']);
    const next = await quarantines.list({}, 4, all.nextCursor!);
    expect(next.items.map((q) => q.agentId)).toEqual(['agent-018', 'agent-015', 'agent-012', 'agent-009']);
    const active = await quarantines.list({ active: true, severity: 'high', reasonCode: 'manual' }, 50);
    expect(active.items.map((q) => q.agentId)).toEqual(['agent-024', 'agent-018', 'agent-012', 'agent-006']);
    expect((await quarantines.list({ active: false }, 50)).items.map((q) => q.agentId)).toEqual(['agent-030']);
  });

  it('lists events in stream order after a sequence', async () => {
    const events = new EventQueries(sql, schema);
    const first = await events.list({}, 5);
    expect(first.items.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(first.total).toBe(12);
    expect(first.nextCursor).toBe('5');
    const rest = await events.list({ after: 5 }, 50);
    expect(rest.items.map((e) => e.seq)).toEqual([6, 7, 8, 9, 10, 11, 12]);
    expect(rest.nextCursor).toBeNull();
    const typed = await events.list({ type: 'AgentQuarantined', agentId: 'a0' }, 50);
    expect(typed.items.map((e) => e.seq)).toEqual([4, 8, 12]);
    expect(typed.items[0]).toMatchObject({ id: 'e-4', aggregate: 'agent', aggregateId: 'a0', occurredAt: '2026-01-01T00:00:04.000Z', data: { n: 4 }, prevHash: null });
  });

  it('reports totals with the agents quarantined now', async () => {
    const report = new ReportQueries(sql, schema, new AgentQueries(sql, schema), restingPosture);
    const empty = await report.get();
    expect(empty).toMatchObject({ totalQuarantined: 0, currentlyQuarantined: 10, posture: 'operator', avgDurationSeconds: null });
    await sql.query(`DELETE FROM ${t('report')}`);
    await sql.query(
      `INSERT INTO ${t('report')} (id, total_quarantined, released, terminated, by_severity, by_source, ended_count, total_duration_seconds)
       VALUES (1, 12, 2, 0, $1::jsonb, $2::jsonb, 2, 300)`,
      [JSON.stringify({ high: 5, low: 7 }), JSON.stringify({ sentinel: 5, alice: 7 })],
    );
    const r = await report.get();
    expect(r).toMatchObject({
      totalQuarantined: 12,
      currentlyQuarantined: 10,
      released: 2,
      terminated: 0,
      bySeverity: { low: 7, medium: 0, high: 5, critical: 0 },
      bySource: { sentinel: 5, alice: 7 },
      avgDurationSeconds: 150,
    });
    expect(r.summary).toContain('10 agents are quarantined now');
  });
});
