import type { NatsConnection } from '@nats-io/transport-node';
import type { DataSource } from 'typeorm';
import { isImmuneError, names as namesOf, type AgentCommandReply, type AgentCommandRequest, type Names } from '@immune/contracts';
import { createTestEnv, testNats, type TestEnv } from '@immune/testing';
import { AgentQueries } from '../agents/agent.queries';
import type { SqlRunner } from '../common/sql';
import { openMigratedDb } from '../int-db.spec-helper';
import { AgentCommandHandler } from './agent-command.handler';
import { CommandClient } from './command.client';
import { ProjectionProgress } from './projection-progress';

// Per-project testTimeout in jest.config.js does not reach hooks: database setup and cleanup need more than 5 s.

describe('CommandClient and AgentCommandHandler (real NATS, a tiny responder)', () => {
  let env: TestEnv;
  let nc: NatsConnection;
  let names: Names;
  let ds: DataSource;
  let sql: SqlRunner;

  beforeAll(async () => {
    env = await createTestEnv('gc');
    nc = await testNats();
    names = namesOf(env.namespace);
    ({ ds, sql } = await openMigratedDb(env.env));
  });
  afterAll(async () => {
    await nc?.close();
    await ds?.destroy();
    await env?.cleanup();
  });

  /** Answers each request with `answer(request)`; returns the received requests and a stop function. */
  function responder(answer: (req: AgentCommandRequest) => AgentCommandReply | undefined) {
    const seen: AgentCommandRequest[] = [];
    const sub = nc.subscribe(names.agentCommands, {
      callback: (_e, msg) => {
        const req = msg.json<AgentCommandRequest>();
        seen.push(req);
        const reply = answer(req);
        if (reply) msg.respond(JSON.stringify(reply));
      },
    });
    return { seen, stop: () => sub.unsubscribe() };
  }

  const request = (over: Partial<AgentCommandRequest> = {}): AgentCommandRequest => ({
    commandId: 'c1',
    agentId: 'a1',
    actor: 'alice',
    command: { type: 'ReleaseAgent', resolution: 'fixed' },
    ...over,
  });

  it('no responder is 503 SERVICE.UNAVAILABLE', async () => {
    const outcomes: string[] = [];
    const client = new CommandClient(nc, names, 1_000, (type, outcome) => outcomes.push(`${type}:${outcome}`));
    const err = await client.send(request()).catch((e: unknown) => e);
    expect(isImmuneError(err) && [err.code, err.status]).toEqual(['SERVICE.UNAVAILABLE', 503]);
    expect(outcomes).toEqual(['ReleaseAgent:SERVICE.UNAVAILABLE']);
  });

  it('a responder that never answers is 504 SERVICE.TIMEOUT', async () => {
    const r = responder(() => undefined);
    await nc.flush();
    try {
      const err = await new CommandClient(nc, names, 200).send(request()).catch((e: unknown) => e);
      expect(isImmuneError(err) && [err.code, err.status]).toEqual(['SERVICE.TIMEOUT', 504]);
    } finally {
      r.stop();
    }
  });

  it('a refusal becomes an ImmuneError with its code', async () => {
    const r = responder(() => ({
      ok: false,
      error: { code: 'QUARANTINE.NOT_ACTIVE', title: 'Quarantine not active', detail: 'agent "a1" is not quarantined: cannot release' },
    }));
    await nc.flush();
    try {
      const err = await new CommandClient(nc, names, 1_000).send(request()).catch((e: unknown) => e);
      expect(isImmuneError(err) && [err.code, err.status, err.message]).toEqual([
        'QUARANTINE.NOT_ACTIVE',
        409,
        'agent "a1" is not quarantined: cannot release',
      ]);
    } finally {
      r.stop();
    }
  });

  it.each([
    ['APPROVAL.NOT_PENDING', 'APPROVAL.NOT_PENDING', 409],
    ['a code no contract names', 'SOMETHING.ELSE', 500],
    ['a prototype member name', 'constructor', 500],
  ])('maps every contract code, and only those: %s', async (_label, code, status) => {
    const r = responder(() => ({ ok: false, error: { code: code as 'INTERNAL', title: 't', detail: 'd' } }));
    await nc.flush();
    try {
      const err = await new CommandClient(nc, names, 1_000).send(request()).catch((e: unknown) => e);
      expect(isImmuneError(err) && [err.code, err.status]).toEqual([status === 500 ? 'INTERNAL' : code, status]);
    } finally {
      r.stop();
    }
  });

  it('sends the request as given and answers an accepted reply', async () => {
    const r = responder((req) => ({ ok: true, agentId: req.agentId, version: 9, sequences: [8, 9], eventTypes: ['X', 'Y'], duplicate: false }));
    await nc.flush();
    try {
      const reply = await new CommandClient(nc, names, 1_000).send(request({ expectedVersion: 7 }));
      expect(reply).toMatchObject({ ok: true, version: 9, sequences: [8, 9] });
      expect(r.seen[0]).toEqual(request({ expectedVersion: 7 }));
    } finally {
      r.stop();
    }
  });

  it('the handler answers once the read models include the command (read-your-writes)', async () => {
    const agents = new AgentQueries(sql, env.namespace);
    const progress = new ProjectionProgress(nc, names, sql, 25);
    progress.start();
    const handler = new AgentCommandHandler(new CommandClient(nc, names, 1_000), progress, agents, 3_000);
    const doc = (version: number, status: string) => ({ agentId: 'rw', status, version });
    await sql.query(
      `INSERT INTO "${env.namespace}".agents (agent_id, status, quarantined, version, doc) VALUES ('rw', 'active', false, 3, $1::jsonb)`,
      [JSON.stringify(doc(3, 'active'))],
    );
    let projected = false;
    const r = responder((req) => {
      // The "projector" (once): updates the row, then announces progress, a little later.
      if (!projected) projected = true;
      else return { ok: true, agentId: req.agentId, version: 4, sequences: [], eventTypes: [], duplicate: true };
      setTimeout(async () => {
        await sql.query(`UPDATE "${env.namespace}".agents SET status = 'suspended', version = 4, doc = $1::jsonb WHERE agent_id = 'rw'`, [
          JSON.stringify(doc(4, 'suspended')),
        ]);
        nc.publish(names.projectionProgress, JSON.stringify({ seq: 4 }));
      }, 150);
      return { ok: true, agentId: req.agentId, version: 4, sequences: [4], eventTypes: ['AgentQuarantined'], duplicate: false };
    });
    await nc.flush();
    try {
      const view = await handler.execute({
        agentId: 'rw',
        caller: { name: 'alice', role: 'operator' },
        command: { type: 'QuarantineAgent', quarantineId: 'q1', reason: 'test' },
        idempotencyKey: 'idem-1',
      });
      expect(view).toMatchObject({ agentId: 'rw', status: 'suspended', version: 4 });
      // Same Idempotency-Key → same command id, so the quarantine service can answer it once.
      await handler.execute({
        agentId: 'rw',
        caller: { name: 'alice', role: 'operator' },
        command: { type: 'QuarantineAgent', quarantineId: 'q2', reason: 'test' },
        idempotencyKey: 'idem-1',
      });
      expect(r.seen[0]!.commandId).toBe(r.seen[1]!.commandId);
      expect(r.seen[0]!.actor).toBe('alice');
    } finally {
      r.stop();
      progress.stop();
    }
  });
});
