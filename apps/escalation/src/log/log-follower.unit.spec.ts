import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { StoredEvent } from '@immune/contracts';
import { LogFollower } from './log-follower';

/** A stream of `end` events the fake consumer hands over slowly, one every `everyMs`. */
function slowStream(end: number, everyMs: number) {
  const jsm = { streams: { info: async () => ({ state: { last_seq: end } }) } } as unknown as JetStreamManager;
  let timer: NodeJS.Timeout | null = null;
  const js = {
    consumers: {
      get: async () => ({
        consume: async ({ callback }: { callback: (m: unknown) => void }) => {
          let seq = 0;
          timer = setInterval(() => {
            if (seq >= end) return;
            seq++;
            const envelope = { schemaVersion: 1, id: `e${seq}`, type: 'AgentRegistered', aggregate: 'agent', aggregateId: 'a', occurredAt: '2026-01-01T00:00:00.000Z', actor: 'x', correlationId: 'c', causationId: 'c', data: {}, prevHash: null, hash: 'h' };
            callback({ seq, subject: 'x.events.agent.a', data: Buffer.from(JSON.stringify(envelope)) });
          }, everyMs);
          return { close: async () => void (timer && clearInterval(timer)) };
        },
      }),
    },
  } as unknown as JetStreamClient;
  return { js, jsm };
}

describe('LogFollower.start', () => {
  it('resolves only once the whole log stored before the start is applied, however long that takes', async () => {
    const { js, jsm } = slowStream(6, 15);
    const applied: StoredEvent[] = [];
    const progress: unknown[] = [];
    const log = { info: (o: unknown) => void progress.push(o), warn: () => undefined, error: () => undefined };
    const follower = new LogFollower(js, jsm, 'S', (e) => applied.push(e), log, 20);
    await follower.start();
    expect(applied.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(follower.position).toBe(6);
    expect(progress.length).toBeGreaterThan(0);
    await follower.stop();
  });
});
