import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { names as namesOf, type Names } from '@immune/contracts';
import { provisionAll } from '@immune/platform-jetstream';
import { createTestEnv, eventually, testNats, type TestEnv } from '@immune/testing';
import { LiveFeed, type FeedEvent, type FleetStats } from './live-feed';
import { natsFeedSource } from './live-feed.nats';

/** The feed's NATS source against the real server: an ordered consumer from "now" and the streams' sequences. */
describe('LiveFeed on NATS', () => {
  let env: TestEnv;
  let nc: NatsConnection;
  let names: Names;

  beforeAll(async () => {
    env = await createTestEnv();
    nc = await testNats();
    names = namesOf(env.namespace);
    await provisionAll(nc, names);
  });
  afterAll(async () => {
    await nc?.close();
    await env?.cleanup();
  });

  const append = (seqHint: number, agentId: string) =>
    jetstream(nc).publish(
      names.agentEvents(agentId),
      JSON.stringify({ schemaVersion: 1, id: `e-${seqHint}`, type: 'AgentRegistered', aggregate: 'agent', aggregateId: agentId, agentId, occurredAt: new Date().toISOString(), actor: 'spec', correlationId: 'c', causationId: 'c', data: { model: 'gpt-5', mcpServers: ['github'] }, prevHash: null, hash: `h${seqHint}` }),
    );

  it('pushes the events after what the read models include, in order, with vitals/s from the vitals stream', async () => {
    await append(1, 'before'); // already in the read models: not pushed
    await append(2, 'gap'); // appended, not yet in the read models: pushed, so a listener's reload cannot miss it
    const readModels = { seq: 1, waitFor: async () => undefined, refresh: async () => 1 };
    const feed = new LiveFeed(natsFeedSource(nc, names), readModels, { statsIntervalMs: 300 });
    const events: FeedEvent[] = [];
    const stats: FleetStats[] = [];
    feed.subscribe((m) => (m.kind === 'event' ? events.push(m.event) : stats.push(m.stats)));
    try {
      await new Promise((r) => setTimeout(r, 300)); // the ordered consumer is created
      await append(3, 'a-1');
      await append(4, 'a-2');
      for (let i = 0; i < 20; i++) nc.publish(names.vitals('a-1'), '{}');
      await nc.flush();
      await eventually(async () => events.length >= 3, 5_000);
      expect(events.map((e) => [e.seq, e.agentId, e.summary['model']])).toEqual([
        [2, 'gap', 'gpt-5'],
        [3, 'a-1', 'gpt-5'],
        [4, 'a-2', 'gpt-5'],
      ]);
      await eventually(async () => stats.some((s) => s.vitalsSeq === 20 && s.eventsSeq === 4), 5_000);
      expect(stats.some((s) => s.vitalsPerSecond > 0)).toBe(true);
    } finally {
      await feed.stop();
    }
  });
});
