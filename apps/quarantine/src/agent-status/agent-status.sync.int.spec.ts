import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import { FULL_RESTRICTIONS, HEALED_AWAITING_RELEASE_RESTRICTIONS, NO_RESTRICTIONS, PROBATION_RESTRICTIONS, names as namesOf, type EventEnvelope, type StoredEvent } from '@immune/contracts';
import { destroyNamespace, freshNamespace, testNats } from '@immune/testing';
import { AgentStatusSync, statusAfter } from './agent-status.sync';

function event(seq: number, type: string, data: unknown, agentId = 'a1'): StoredEvent {
  const envelope: EventEnvelope = {
    schemaVersion: 1, id: `e${seq}`, type, aggregate: 'agent', aggregateId: agentId, agentId, occurredAt: '2026-11-23T00:00:00.000Z',
    actor: 'spec', correlationId: 'c', causationId: 'c', data, prevHash: null, hash: 'h',
  };
  return { seq, subject: `x.events.agent.${agentId}`, envelope };
}

describe('statusAfter', () => {
  it('maps every status-changing event to the KV record and ignores the rest', () => {
    expect(statusAfter(event(1, 'AgentRegistered', {}).envelope, 1)).toEqual({ status: 'active', restrictions: NO_RESTRICTIONS, version: 1 });
    expect(statusAfter(event(2, 'AgentQuarantined', { level: 'restricted', restrictions: FULL_RESTRICTIONS }).envelope, 2)).toEqual({
      status: 'restricted', restrictions: FULL_RESTRICTIONS, version: 2,
    });
    expect(statusAfter(event(3, 'QuarantineEscalated', { toLevel: 'suspended', restrictions: FULL_RESTRICTIONS }).envelope, 3)?.status).toBe('suspended');
    expect(statusAfter(event(4, 'AgentReleased', { restrictions: NO_RESTRICTIONS }).envelope, 4)?.status).toBe('active');
    expect(statusAfter(event(5, 'AgentTerminated', { restrictions: FULL_RESTRICTIONS }).envelope, 5)?.status).toBe('terminated');
    expect(statusAfter(event(6, 'QuarantineNoteAdded', { note: 'x' }).envelope, 6)).toBeNull();
    expect(statusAfter(event(7, 'SomethingNew', {}).envelope, 7)).toBeNull();
  });

  it('writes probation restrictions: probation restricted with probation: true, a failed action suspended again', () => {
    expect(statusAfter(event(8, 'HealingProbationStarted', { restrictions: PROBATION_RESTRICTIONS }).envelope, 8)).toEqual({
      status: 'restricted', restrictions: PROBATION_RESTRICTIONS, version: 8,
    });
    expect(statusAfter(event(9, 'HealingActionFailed', { restrictions: FULL_RESTRICTIONS }).envelope, 9)).toEqual({
      status: 'suspended', restrictions: FULL_RESTRICTIONS, version: 9,
    });
    expect(statusAfter(event(10, 'HealingActionSucceeded', { restrictions: HEALED_AWAITING_RELEASE_RESTRICTIONS }).envelope, 10)?.status).toBe('restricted');
    expect(statusAfter(event(11, 'HealingStarted', {}).envelope, 11)).toBeNull();
    expect(statusAfter(event(12, 'HealingExhausted', {}).envelope, 12)).toBeNull();
  });
});

describe('AgentStatusSync on the real KV bucket', () => {
  let nc: NatsConnection;
  let kv: KV;
  let ns: string;

  beforeAll(async () => {
    ns = freshNamespace('ks');
    nc = await testNats();
    kv = await new Kvm(nc).create(namesOf(ns).statusBucket);
  });
  afterAll(async () => {
    await nc.close();
    await destroyNamespace(ns);
  });

  const read = async (agentId: string) => (await kv.get(agentId))?.json<{ status: string; version: number }>();

  it('follows the log and never lets a redelivered older event overwrite a newer status', async () => {
    const sync = new AgentStatusSync(kv);
    expect(await sync.apply(event(1, 'AgentRegistered', {}))).toBe('written');
    expect(await sync.apply(event(2, 'AgentQuarantined', { level: 'suspended', restrictions: FULL_RESTRICTIONS }))).toBe('written');
    expect(await read('a1')).toMatchObject({ status: 'suspended', version: 2 });
    expect(await sync.apply(event(1, 'AgentRegistered', {}))).toBe('stale');
    expect(await read('a1')).toMatchObject({ status: 'suspended', version: 2 });
    expect(await sync.apply(event(3, 'QuarantineNoteAdded', { note: 'n' }))).toBe('unchanged');
    expect(await sync.apply(event(4, 'AgentReleased', { restrictions: NO_RESTRICTIONS }))).toBe('written');
    expect(await read('a1')).toMatchObject({ status: 'active', version: 4 });
  });

  it('writes with one compare-and-set from what it remembers, and reads again when another writer moved the key', async () => {
    const gets: string[] = [];
    const counting = new Proxy(kv, {
      get: (target, prop, receiver) => {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (prop === 'get' && typeof v === 'function') return (key: string) => (gets.push(key), (v as KV['get']).call(target, key));
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const mine = new AgentStatusSync(counting);
    const other = new AgentStatusSync(kv);
    expect(await mine.apply(event(1, 'AgentRegistered', {}, 'cas'))).toBe('written');
    expect(await mine.apply(event(2, 'AgentQuarantined', { level: 'suspended', restrictions: FULL_RESTRICTIONS }, 'cas'))).toBe('written');
    expect(gets).toEqual(['cas']); // read once, then written from memory
    expect(await mine.apply(event(1, 'AgentRegistered', {}, 'cas'))).toBe('stale');
    // Another instance moves the key on: what `mine` remembers is now stale.
    expect(await other.apply(event(5, 'AgentReleased', { restrictions: NO_RESTRICTIONS }, 'cas'))).toBe('written');
    expect(await mine.apply(event(3, 'QuarantineEscalated', { toLevel: 'terminated', restrictions: FULL_RESTRICTIONS }, 'cas'))).toBe('stale');
    expect(await read('cas')).toMatchObject({ status: 'active', version: 5 });
    expect(await mine.apply(event(6, 'AgentQuarantined', { level: 'restricted', restrictions: FULL_RESTRICTIONS }, 'cas'))).toBe('written');
    expect(await read('cas')).toMatchObject({ status: 'restricted', version: 6 });
    // A key deleted behind its back is created again.
    await kv.delete('cas');
    expect(await mine.apply(event(7, 'AgentReleased', { restrictions: NO_RESTRICTIONS }, 'cas'))).toBe('written');
    expect(await read('cas')).toMatchObject({ status: 'active', version: 7 });
  });

  it('two writers racing on one agent end at the newest version', async () => {
    const [s1, s2] = [new AgentStatusSync(kv), new AgentStatusSync(kv)];
    const events = Array.from({ length: 20 }, (_, i) =>
      event(i + 10, i % 2 ? 'AgentReleased' : 'AgentQuarantined', { level: 'suspended', restrictions: i % 2 ? NO_RESTRICTIONS : FULL_RESTRICTIONS }, 'race'),
    );
    await Promise.all(events.map((e, i) => (i % 2 ? s1 : s2).apply(e)));
    expect(await read('race')).toMatchObject({ version: 29, status: 'active' });
  });
});
