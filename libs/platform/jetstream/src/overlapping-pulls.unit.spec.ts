import type { Consumer, ConsumerMessages } from '@nats-io/jetstream';
import { OverlappingPulls } from './overlapping-pulls';

/** A consumer whose pulls end only when told to (or never): what the class does around nats.js's fetch. */
function fakeConsumer() {
  const pulls: { stopped: boolean; end: (err?: Error) => void }[] = [];
  const consumer = {
    fetch: async () => {
      let end!: (err?: Error) => void;
      const closed = new Promise<void | Error>((resolve) => (end = (err) => resolve(err)));
      const pull = { stopped: false, end };
      pulls.push(pull);
      return {
        closed: () => closed,
        stop: () => {
          pull.stopped = true;
        },
      } as unknown as ConsumerMessages;
    },
  } as unknown as Consumer;
  return { consumer, pulls };
}

/** Pulls of `expiresMs` over a fake consumer, wanted until `stop()`; `counts.ended` counts onEnded calls. */
function started(opts: { expiresMs: number; lostAfterMs: number }) {
  const { consumer, pulls } = fakeConsumer();
  let wanted = true;
  const counts = { ended: 0 };
  const p = new OverlappingPulls(consumer, { maxMessages: 10, ...opts, wanted: () => wanted, onMessage: () => undefined, onEnded: () => counts.ended++ });
  p.start();
  return { p, pulls, counts, stop: () => (wanted = false) };
}

const until = async (check: () => boolean, ms = 2000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('OverlappingPulls', () => {
  it('asks for the next pull before the open one expires, and stops asking once not wanted', async () => {
    const { p, pulls, counts, stop } = started({ expiresMs: 80, lostAfterMs: 10_000 });
    await until(() => pulls.length === 2); // the successor, while the first is still open
    expect(p.open).toBe(2);
    stop();
    pulls[0]!.end();
    pulls[1]!.end();
    await until(() => p.open === 0);
    expect(counts.ended).toBe(2);
    await new Promise((r) => setTimeout(r, 150));
    expect(pulls).toHaveLength(2);
  });

  it('lets go of a pull that never ends, so a stop cannot wait on it forever', async () => {
    const { p, pulls, counts, stop } = started({ expiresMs: 1000, lostAfterMs: 60 });
    await until(() => pulls.length === 1);
    stop(); // stopping: no successor; the open pull never ends by itself
    await until(() => p.open === 0, 1000);
    expect(pulls[0]!.stopped).toBe(true);
    expect(counts.ended).toBe(1);
    expect(p.failure).toBeNull();
    // Ending later (nats.js catching up) changes nothing.
    pulls[0]!.end(new Error('late'));
    await new Promise((r) => setTimeout(r, 20));
    expect(counts.ended).toBe(1);
    expect(p.failure).toBeNull();
  });

  it('reports a pull that failed, but not one nats.js ended for missed heartbeats', async () => {
    const { p, pulls, stop } = started({ expiresMs: 1000, lostAfterMs: 10_000 });
    await until(() => pulls.length === 1);
    pulls[0]!.end(new Error('heartbeats missed'));
    await until(() => pulls.length === 2); // replaced at once
    expect(p.failure).toBeNull();
    stop();
    pulls[1]!.end(new Error('consumer deleted'));
    await until(() => p.open === 0);
    expect(String(p.failure)).toContain('consumer deleted');
  });
});
