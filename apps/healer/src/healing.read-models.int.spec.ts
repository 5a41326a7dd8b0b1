import type { DataSource } from 'typeorm';
import type { AgentCommandBody, HealingAction, StoredEvent } from '@immune/contracts';
import { decide, evolve, initialState, type AgentState } from '@immune/domain-quarantine';
import { sealEnvelope } from '@immune/platform-jetstream';
import { openDataSource } from '@immune/platform-postgres';
import { ProjectionRunner, dumpProjectionTables, rebuild } from '@immune/platform-projections';
import { migrate } from '@immune/read-models';
import { createTestEnv, type TestEnv } from '@immune/testing';

const HEALING_TABLES = ['healing_log', 'healing_patterns', 'healing_agent_memory', 'agents', 'quarantines'];

/**
 * A log of healings as the quarantine service writes them for the healer (the real agent decider): every healing
 * event type, passed and failed probations, refused and unanswered actions, release or not, exhaustion.
 */
function healingLog(agents: number): StoredEvent[] {
  const log: StoredEvent[] = [];
  const heads = new Map<string, string | null>();
  const states = new Map<string, AgentState>();
  let t = Date.parse('2026-01-01T00:00:00.000Z');
  const run = (agentId: string, command: AgentCommandBody, actor: string) => {
    const now = new Date((t += 1000)).toISOString();
    const commandId = `c${log.length}`;
    let s = states.get(agentId) ?? initialState(agentId);
    const events = decide({ ...command, commandId, agentId, actor, now } as Parameters<typeof decide>[0], s);
    events.forEach((event, i) => {
      const envelope = sealEnvelope({
        schemaVersion: 1, id: `${commandId}:${i}`, type: event.type, aggregate: 'agent', aggregateId: agentId, agentId, occurredAt: now, actor,
        correlationId: commandId, causationId: commandId, data: event.data, prevHash: heads.get(agentId) ?? null,
      });
      heads.set(agentId, envelope.hash);
      log.push({ seq: log.length + 1, subject: `spec.events.agent.${agentId}`, envelope });
      s = evolve(s, event, now);
    });
    states.set(agentId, s);
  };
  const diagnoses = ['memory_corruption', 'prompt_drift', 'infinite_loop'];
  for (let i = 0; i < agents; i++) {
    const agentId = `agent-${i}`;
    const hypothesis = diagnoses[i % diagnoses.length]!;
    const healingId = `h-${i}`;
    const plan: HealingAction[] = ['reset_memory', 'reduce_autonomy', 'reset_agent'];
    const heal = (c: Record<string, unknown>) => run(agentId, { healingId, ...c } as AgentCommandBody, 'healer');
    run(agentId, { type: 'RegisterAgent', model: 'm', agentType: 'worker' }, 'telemetry');
    run(agentId, {
      type: 'ReportInfection', detectionId: `d-${i}`, quarantineId: `q-${i}`, anomalies: [{ type: 'token_spike', metric: 'tokens', sigma: 4 }], deviation: 4,
      severity: 'medium', diagnoses: [{ hypothesis, confidence: 0.8 }], requiresApproval: false, enforce: true, fleetWide: false, forensic: null,
    } as AgentCommandBody, 'sentinel');
    heal({ type: 'StartHealing', quarantineId: `q-${i}`, diagnosis: hypothesis, trigger: 'automatic', plan });
    heal({ type: 'BeginProbation', action: 'reset_memory', attempt: 1, detail: 'done' });
    if (i % 3 === 0) {
      heal({ type: 'PassProbation', action: 'reset_memory', attempt: 1, vitalsJudged: 5, release: true });
      continue;
    }
    heal({ type: 'FailHealingAction', action: 'reset_memory', attempt: 1, reason: 'probation_failed', detail: 'latency again' });
    heal({ type: 'FailHealingAction', action: 'reduce_autonomy', attempt: 2, reason: i % 2 === 0 ? 'no_reply' : 'interrupted', detail: null });
    if (i % 3 === 1) {
      heal({ type: 'BeginProbation', action: 'reset_agent', attempt: 3, detail: null });
      heal({ type: 'PassProbation', action: 'reset_agent', attempt: 3, vitalsJudged: 5, release: false });
    } else {
      heal({ type: 'FailHealingAction', action: 'reset_agent', attempt: 3, reason: 'rejected', detail: 'no' });
      heal({ type: 'ExhaustHealing', tried: plan, escalation: 'await_admin' });
    }
  }
  return log;
}

describe('healing read models: live projection and rebuild agree', () => {
  let env: TestEnv;
  let ds: DataSource;

  beforeAll(async () => {
    env = await createTestEnv('healrm');
    await migrate({ databaseUrl: env.databaseUrl, namespace: env.namespace });
    ds = await openDataSource({ databaseUrl: env.databaseUrl, schema: env.namespace, poolSize: 4 });
  });
  afterAll(async () => {
    await ds?.destroy();
    await env?.cleanup();
  });

  it('projects every healing event type, and a rebuild ends equal, row for row', async () => {
    const log = healingLog(30);
    const types = new Set(log.map((e) => e.envelope.type));
    expect([...types]).toEqual(expect.arrayContaining(['HealingStarted', 'HealingProbationStarted', 'HealingActionSucceeded', 'HealingActionFailed', 'HealingExhausted', 'AgentReleased']));
    const live = `${env.namespace}_live`;
    const rebuilt = `${env.namespace}_rebuilt`;
    await migrate({ databaseUrl: env.databaseUrl, namespace: live });
    await migrate({ databaseUrl: env.databaseUrl, namespace: rebuilt });
    const runner = new ProjectionRunner({ dataSource: ds, schema: live });
    for (let i = 0; i < log.length; i += 37) await runner.apply(log.slice(i, i + 37));
    await rebuild({ dataSource: ds, schema: rebuilt, source: log, lastSeq: log.length, names: HEALING_TABLES });

    const expected = await dumpProjectionTables(ds, live);
    const actual = await dumpProjectionTables(ds, rebuilt);
    for (const table of HEALING_TABLES) expect(actual.tables[table]).toEqual(expected.tables[table]);
    expect(expected.tables['healing_log']!.length).toBe(log.filter((e) => e.envelope.type.startsWith('Healing')).length);
    expect(expected.tables['healing_agent_memory']!.length).toBe(30);

    // interrupted attempts are not counted; the rest per diagnosis and action
    const patterns = await ds.query<{ diagnosis: string; action: string; successes: number; failures: number }[]>(
      `SELECT diagnosis, action, successes, failures FROM "${live}".healing_patterns WHERE diagnosis = 'memory_corruption' ORDER BY action`,
    );
    // memory_corruption is the diagnosis of agents 0, 3, …, 27: each passed reset_memory at once.
    expect(patterns).toEqual([{ diagnosis: 'memory_corruption', action: 'reset_memory', successes: 10, failures: 0 }]);
    const healing = await ds.query<{ healing: string; n: number }[]>(
      `SELECT doc->'quarantine'->>'healing' AS healing, count(*)::int AS n FROM "${live}".agents GROUP BY 1 ORDER BY 1`,
    );
    expect(healing).toEqual([{ healing: 'exhausted', n: 10 }, { healing: 'succeeded', n: 10 }, { healing: null, n: 10 }]);
  });
});
