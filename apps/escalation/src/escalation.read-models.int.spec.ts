import type { DataSource } from 'typeorm';
import type { EscalationCommandBody, StoredEvent } from '@immune/contracts';
import { decidePosture, evolvePosture, initialPosture, type FleetPostureState } from '@immune/domain-escalation';
import { sealEnvelope } from '@immune/platform-jetstream';
import { openDataSource } from '@immune/platform-postgres';
import { ProjectionRunner, dumpProjectionTables, rebuild } from '@immune/platform-projections';
import { migrate } from '@immune/read-models';
import { createTestEnv, type TestEnv } from '@immune/testing';

/** A log of posture events as the escalation service writes them: 60 escalations up and down the ladder. */
function postureLog(): StoredEvent[] {
  const log: StoredEvent[] = [];
  const heads = new Map<string, string | null>();
  let s: FleetPostureState = initialPosture();
  let t = Date.parse('2026-01-01T00:00:00.000Z');
  const run = (body: EscalationCommandBody, actor: string, actorRole: 'operator' | 'admin' | 'service') => {
    const now = new Date((t += 1000)).toISOString();
    const commandId = `c${log.length}`;
    const d = decidePosture({ ...body, commandId, actor, actorRole, now } as Parameters<typeof decidePosture>[0], s);
    d.events.forEach((event, i) => {
      const key = `${d.aggregate}/${d.aggregateId}`;
      const envelope = sealEnvelope({
        schemaVersion: 1, id: `${commandId}:${i}`, type: event.type, aggregate: d.aggregate, aggregateId: d.aggregateId, occurredAt: now, actor,
        correlationId: commandId, causationId: commandId, data: event.data, prevHash: heads.get(key) ?? null,
      });
      heads.set(key, envelope.hash);
      log.push({ seq: log.length + 1, subject: `spec.events.${d.aggregate}.${d.aggregateId}`, envelope });
      s = evolvePosture(s, { event, occurredAt: now, actor });
    });
  };
  for (let i = 0; i < 20; i++) {
    run({ type: 'ChangePostureBaseline', profile: i % 2 === 0 ? 'observer' : 'operator', reason: 'r' }, 'root', 'admin');
    if (i % 2 === 0) run({ type: 'RequestEscalation', escalationId: `o${i}`, toProfile: 'operator', escalationType: 'operator_request', reason: 'r' }, 'alice', 'operator');
    run({ type: 'RequestEscalation', escalationId: `g${i}`, toProfile: 'guardian', escalationType: 'threat_detected', reason: 'r', context: { confidence: 0.9 } }, 'escalation', 'service');
    run({ type: 'RequestEscalation', escalationId: `p${i}`, toProfile: 'phoenix', escalationType: 'crisis_declared', reason: 'r' }, 'root', 'admin');
    if (i % 3 !== 0) run({ type: 'ApproveEscalation', escalationId: `p${i}` }, 'bob', 'operator');
    else run({ type: 'DeescalateEscalation', escalationId: `p${i}`, deescalationType: 'operator_release', reason: 'withdrawn' }, 'alice', 'operator');
    if (i % 3 !== 0) run({ type: 'DeescalateEscalation', escalationId: `p${i}`, deescalationType: 'crisis_concluded', reason: 'over' }, 'alice', 'operator');
    run({ type: 'DeescalateEscalation', escalationId: `g${i}`, deescalationType: 'threat_resolved', reason: 'calm' }, 'escalation', 'service');
    if (i % 2 === 0) run({ type: 'DeescalateEscalation', escalationId: `o${i}`, deescalationType: 'operator_release', reason: 'r' }, 'alice', 'operator');
  }
  // leave some in force
  run({ type: 'RequestEscalation', escalationId: 'g-last', toProfile: 'guardian', escalationType: 'operator_request', reason: 'r' }, 'alice', 'operator');
  run({ type: 'RequestEscalation', escalationId: 'p-last', toProfile: 'phoenix', escalationType: 'crisis_declared', reason: 'r' }, 'root', 'admin');
  return log;
}

describe('escalation read models: live projection and rebuild agree', () => {
  let env: TestEnv;
  let ds: DataSource;

  beforeAll(async () => {
    env = await createTestEnv('escrm');
    await migrate({ databaseUrl: env.databaseUrl, namespace: env.namespace });
    ds = await openDataSource({ databaseUrl: env.databaseUrl, schema: env.namespace, poolSize: 4 });
  });
  afterAll(async () => {
    await ds?.destroy();
    await env?.cleanup();
  });

  it('projects escalations and the posture, and a rebuild ends equal, row for row', async () => {
    const log = postureLog();
    const live = `${env.namespace}_live`;
    const rebuilt = `${env.namespace}_rebuilt`;
    await migrate({ databaseUrl: env.databaseUrl, namespace: live });
    await migrate({ databaseUrl: env.databaseUrl, namespace: rebuilt });
    const runner = new ProjectionRunner({ dataSource: ds, schema: live });
    for (let i = 0; i < log.length; i += 37) await runner.apply(log.slice(i, i + 37));
    await rebuild({ dataSource: ds, schema: rebuilt, source: log, lastSeq: log.length, names: ['escalations', 'posture'] });

    const expected = await dumpProjectionTables(ds, live);
    const actual = await dumpProjectionTables(ds, rebuilt);
    expect(actual.tables['escalations']).toEqual(expected.tables['escalations']);
    expect(actual.tables['posture']).toEqual(expected.tables['posture']);
    expect(expected.tables['escalations']!.length).toBe(52);

    const posture = await ds.query<{ current: string; baseline: string }[]>(`SELECT current, baseline FROM "${live}".posture`);
    expect(posture).toEqual([{ current: 'guardian', baseline: 'operator' }]);
    const byStatus = await ds.query<{ status: string; n: number }[]>(`SELECT status, count(*)::int AS n FROM "${live}".escalations GROUP BY status ORDER BY status`);
    expect(byStatus).toEqual([{ status: 'active', n: 1 }, { status: 'ended', n: 50 }, { status: 'pending', n: 1 }]);
  });
});
