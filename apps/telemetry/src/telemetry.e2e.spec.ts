import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { names as namesOf, type Names, type RejectedVital } from '@immune/contracts';
import { EventStore } from '@immune/platform-jetstream';
import { eventually, startStack, testNats, type Stack } from '@immune/testing';

describe('telemetry: validation, rejection and registration on the real vitals stream', () => {
  let nc: NatsConnection;
  let names: Names;
  let stack: Stack;
  const rejected: RejectedVital[] = [];

  beforeAll(async () => {
    stack = await startStack(['quarantine', 'telemetry']);
    names = namesOf(stack.env.namespace);
    nc = await testNats();
    nc.subscribe(names.rejectedVitals, { callback: (_e, m) => void rejected.push(m.json<RejectedVital>()) });
  });
  afterAll(async () => {
    await nc.close();
    await stack.stop();
  });

  const vital = (agentId: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ agentId, latencyMs: 100, inputTokens: 10, outputTokens: 5, toolCalls: 1, retries: 0, model: 'm1', agentType: 'coder', ...extra });

  it('registers an unknown agent once, on its first valid vital (a core-NATS publish is enough)', async () => {
    for (let i = 0; i < 5; i++) nc.publish(names.vitals('fresh-1'), vital('fresh-1'));
    await jetstream(nc).publish(names.vitals('fresh-2'), vital('fresh-2', { mcpServers: ['git'] }));
    const store = new EventStore(nc, names);
    const registered = async (id: string) => {
      const { events } = await store.readAggregate('agent', id);
      return events.length > 0 && events;
    };
    const agent1 = await eventually(() => registered('fresh-1'), 10_000);
    const agent2 = await eventually(() => registered('fresh-2'), 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect((await store.readAggregate('agent', 'fresh-1')).events.map((e) => e.envelope.type)).toEqual(['AgentRegistered']);
    expect(agent1[0]!.envelope).toMatchObject({ actor: 'telemetry', data: { model: 'm1', agentType: 'coder', mcpServers: [] } });
    expect(agent2[0]!.envelope.data).toMatchObject({ mcpServers: ['git'] });
  });

  it('sends every malformed vital to the rejected subject with its reason, and registers nobody for it', async () => {
    const before = rejected.length;
    nc.publish(names.vitals('bad-json'), '{not json');
    nc.publish(names.vitals('mismatch'), vital('someone-else'));
    nc.publish(names.vitals('negative'), vital('negative', { latencyMs: -5 }));
    nc.publish(names.vitals('future'), vital('future', { ts: Date.now() + 3_600_000 }));
    nc.publish(names.vitals('huge'), vital('huge', { errorType: 'x'.repeat(70_000) }));
    await eventually(async () => rejected.length - before >= 5, 10_000);
    const reasons = rejected.slice(before).map((r) => `${r.subject} ${r.reason}`).sort();
    expect(reasons).toEqual([
      `${names.vitals('bad-json')} not valid JSON`,
      expect.stringMatching(new RegExp(`^${names.vitals('future')} ts is more than 300 s ahead`)),
      expect.stringMatching(new RegExp(`^${names.vitals('huge')} a vital must be at most 65536 bytes`)),
      expect.stringMatching(new RegExp(`^${names.vitals('mismatch')} agentId "someone-else" does not match`)),
      expect.stringMatching(new RegExp(`^${names.vitals('negative')} latencyMs must be`)),
    ]);
    expect(rejected.find((r) => r.subject === names.vitals('huge'))!.payload.length).toBeLessThanOrEqual(1024);
    const store = new EventStore(nc, names);
    for (const id of ['bad-json', 'mismatch', 'negative', 'future', 'huge', 'someone-else']) {
      expect((await store.readAggregate('agent', id)).events).toHaveLength(0);
    }
  });
});
