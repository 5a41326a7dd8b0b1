import { LiveFeed, summarize, toFeedEvent, type FeedMessage, type LiveFeedSource, type LogTail, type RawLogMessage } from './live-feed';
import { openSseSession, type SseSink } from './sse-session';
import { sseMessage } from './sse';

/** A log tail the spec feeds by hand. */
class ManualTail implements LogTail {
  private queue: RawLogMessage[] = [];
  private wake: (() => void) | null = null;
  closed = false;
  readonly messages: AsyncIterable<RawLogMessage> = {
    [Symbol.asyncIterator]: () => ({
      next: async (): Promise<IteratorResult<RawLogMessage>> => {
        while (!this.closed && this.queue.length === 0) await new Promise<void>((r) => (this.wake = r));
        if (this.closed) return { done: true, value: undefined };
        return { done: false, value: this.queue.shift()! };
      },
    }),
  };
  push(m: RawLogMessage): void {
    this.queue.push(m);
    this.wake?.();
  }
  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
  }
}

class FakeSource implements LiveFeedSource {
  tails: { from: number | 'new'; tail: ManualTail }[] = [];
  vitalsSeq = 0;
  eventsSeq = 0;
  tail(from: number | 'new'): LogTail {
    const tail = new ManualTail();
    this.tails.push({ from, tail });
    return tail;
  }
  async counters() {
    return { vitalsSeq: this.vitalsSeq, eventsSeq: this.eventsSeq };
  }
}

/** Read-model progress moved by hand; waiters time out only when the spec says so. */
class FakeProgress {
  seq = 0;
  private waiters: { seq: number; ok: () => void; fail: (e: unknown) => void }[] = [];
  waitFor(seq: number): Promise<void> {
    if (seq <= this.seq) return Promise.resolve();
    return new Promise((ok, fail) => this.waiters.push({ seq, ok, fail }));
  }
  advance(seq: number): void {
    this.seq = seq;
    for (const w of this.waiters.filter((x) => x.seq <= seq)) w.ok();
    this.waiters = this.waiters.filter((x) => x.seq > seq);
  }
  timeoutAll(): void {
    for (const w of this.waiters) w.fail(new Error('timeout'));
    this.waiters = [];
  }
}

const envelope = (seq: number, type: string, data: unknown = {}, agentId = 'a-1'): RawLogMessage => ({
  seq,
  subject: `t.events.agent.${agentId}`,
  data: Buffer.from(
    JSON.stringify({ schemaVersion: 1, id: `e${seq}`, type, aggregate: 'agent', aggregateId: agentId, agentId, occurredAt: '2026-11-23T00:00:00.000Z', actor: 'spec', correlationId: 'c', causationId: 'c', data, prevHash: null, hash: `h${seq}` }),
  ),
});
const flush = () => new Promise((r) => setImmediate(r));

describe('LiveFeed', () => {
  let source: FakeSource;
  let progress: FakeProgress;
  let feed: LiveFeed;
  let got: FeedMessage[];
  let clock: number;

  beforeEach(() => {
    source = new FakeSource();
    progress = new FakeProgress();
    clock = 1_000_000;
    feed = new LiveFeed(source, progress, { statsIntervalMs: 60_000, idleStopMs: 5, retryMs: 1, now: () => clock });
    got = [];
  });
  afterEach(() => feed.stop());

  const events = () => got.flatMap((m) => (m.kind === 'event' ? [m.event] : []));

  it('tails the log from now only while someone listens, and stops when the last listener leaves', async () => {
    expect(source.tails).toHaveLength(0);
    const off = feed.subscribe((m) => got.push(m));
    await flush();
    expect(source.tails.map((t) => t.from)).toEqual(['new']);
    off();
    await new Promise((r) => setTimeout(r, 20));
    expect(source.tails[0]!.tail.closed).toBe(true);
    expect(feed.listenerCount).toBe(0);
  });

  it('pushes each event in log order once the read models include it', async () => {
    feed.subscribe((m) => got.push(m));
    await flush();
    const tail = source.tails[0]!.tail;
    tail.push(envelope(5, 'AgentRegistered', { model: 'gpt', mcpServers: ['github'], forensic: { big: 1 } }));
    tail.push(envelope(6, 'AgentQuarantined', { severity: 'high', deviation: 7.5, diagnoses: [{ hypothesis: 'prompt_injection', confidence: 0.95 }] }));
    tail.push(envelope(7, 'QuarantineNoteAdded', { note: 'x' }));
    await flush();
    expect(events()).toEqual([]);
    progress.advance(6);
    await flush();
    expect(events().map((e) => e.seq)).toEqual([5, 6]);
    expect(events()[0]).toMatchObject({ type: 'AgentRegistered', agentId: 'a-1', hash: 'h5', summary: { model: 'gpt', mcpServers: ['github'] } });
    expect(events()[0]!.summary).not.toHaveProperty('forensic');
    expect(events()[1]!.summary).toEqual({ severity: 'high', deviation: 7.5, topDiagnosis: 'prompt_injection', topConfidence: 0.95 });
    progress.advance(7);
    await flush();
    expect(events().map((e) => e.seq)).toEqual([5, 6, 7]);
  });

  it('pushes an event anyway when the read models do not catch up in time, still in order', async () => {
    feed.subscribe((m) => got.push(m));
    await flush();
    const tail = source.tails[0]!.tail;
    tail.push(envelope(1, 'AgentRegistered'));
    tail.push(envelope(2, 'AgentQuarantined'));
    await flush();
    progress.timeoutAll();
    await flush();
    progress.timeoutAll();
    await flush();
    expect(events().map((e) => e.seq)).toEqual([1, 2]);
  });

  it('with the read models stuck, pushes every event that has waited its hold at once (not one per hold)', async () => {
    feed.subscribe((m) => got.push(m));
    await flush();
    const tail = source.tails[0]!.tail;
    for (let seq = 1; seq <= 50; seq++) tail.push(envelope(seq, 'AnomalyDetected'));
    await flush();
    clock += 3_000;
    tail.push(envelope(51, 'AnomalyDetected'));
    await flush();
    progress.timeoutAll();
    await flush();
    // The 50 that waited the 3 s hold go out together; the one that just arrived still waits for the read models.
    expect(events().map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    progress.advance(51);
    await flush();
    expect(events()).toHaveLength(51);
  });

  it('skips messages that are not envelopes and never repeats a sequence', async () => {
    feed.subscribe((m) => got.push(m));
    await flush();
    const tail = source.tails[0]!.tail;
    tail.push({ seq: 1, subject: 'x', data: Buffer.from('{broken') });
    tail.push(envelope(2, 'AgentRegistered'));
    tail.push(envelope(2, 'AgentRegistered'));
    progress.advance(10);
    await flush();
    expect(events().map((e) => e.seq)).toEqual([2]);
  });

  it('starts right after what the read models include, or from now when they are far behind', async () => {
    progress.advance(40);
    source.eventsSeq = 45;
    const off = feed.subscribe((m) => got.push(m));
    await flush();
    await flush();
    expect(source.tails.map((t) => t.from)).toEqual([41]);
    off();
    await new Promise((r) => setTimeout(r, 20));
    source.eventsSeq = 40 + 6000;
    feed.subscribe((m) => got.push(m));
    await flush();
    await flush();
    expect(source.tails.map((t) => t.from)).toEqual([41, 'new']);
  });

  it('reopens a failed tail after the last sequence it saw', async () => {
    feed.subscribe((m) => got.push(m));
    await flush();
    progress.advance(100);
    source.tails[0]!.tail.push(envelope(3, 'AgentRegistered'));
    await flush();
    await source.tails[0]!.tail.close(); // the consumer went away
    await new Promise((r) => setTimeout(r, 20));
    expect(source.tails.map((t) => t.from)).toEqual(['new', 4]);
  });

  it('reports vitals and events per second from the streams\' sequences', async () => {
    feed.subscribe((m) => got.push(m));
    source.vitalsSeq = 1000;
    source.eventsSeq = 10;
    await feed.sampleStats();
    clock += 2000;
    source.vitalsSeq = 3000;
    source.eventsSeq = 16;
    progress.seq = 15;
    const stats = await feed.sampleStats();
    expect(stats).toMatchObject({ vitalsPerSecond: 1000, eventsPerSecond: 3, vitalsSeq: 3000, eventsSeq: 16, readModelSeq: 15, listeners: 1 });
    expect(got.filter((m) => m.kind === 'stats').length).toBeGreaterThanOrEqual(2);
  });

  it('keeps other listeners when one throws', async () => {
    feed.subscribe(() => {
      throw new Error('boom');
    });
    feed.subscribe((m) => got.push(m));
    await flush();
    source.tails[0]!.tail.push(envelope(1, 'AgentRegistered'));
    progress.advance(1);
    await flush();
    expect(events()).toHaveLength(1);
  });
});

describe('toFeedEvent and summarize', () => {
  it('needs an id and a type', () => {
    expect(toFeedEvent({ seq: 1, subject: 's', data: Buffer.from('{"type":"X"}') })).toBeNull();
    expect(toFeedEvent({ seq: 1, subject: 's', data: Buffer.from('[1]') })).toBeNull();
  });
  it('cuts long strings and keeps at most 16 fields', () => {
    const big = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, i]));
    expect(Object.keys(summarize(big))).toHaveLength(16);
    expect(String(summarize({ reason: 'x'.repeat(500) })['reason']).length).toBe(200);
  });
});

describe('openSseSession', () => {
  class Sink implements SseSink {
    headers: Record<string, string> = {};
    chunks: string[] = [];
    ended = false;
    statusCode = 0;
    writableLength = 0;
    setHeader(name: string, value: string) {
      this.headers[name.toLowerCase()] = value;
    }
    write(chunk: string) {
      this.chunks.push(chunk);
      return true;
    }
    end() {
      this.ended = true;
    }
  }

  it('sends hello, then events with their sequence as id, and stops listening when closed', async () => {
    const source = new FakeSource();
    const progress = new FakeProgress();
    const feed = new LiveFeed(source, progress, { statsIntervalMs: 60_000, idleStopMs: 5 });
    const sink = new Sink();
    const close = openSseSession(feed, sink, { hello: { role: 'viewer' } });
    expect(sink.headers['content-type']).toContain('text/event-stream');
    expect(sink.chunks.join('')).toContain('event: hello\ndata: {"role":"viewer"');
    await flush();
    source.tails[0]!.tail.push(envelope(9, 'AgentReleased'));
    progress.advance(9);
    await flush();
    expect(sink.chunks.join('')).toMatch(/event: event\nid: 9\ndata: \{"seq":9/);
    close();
    expect(sink.ended).toBe(true);
    expect(feed.listenerCount).toBe(0);
    await feed.stop();
  });

  it('ends the stream once the listener is no longer allowed (its key deleted), and keeps it while the check fails', async () => {
    const feed = new LiveFeed(new FakeSource(), new FakeProgress(), { statsIntervalMs: 60_000, idleStopMs: 5 });
    const sink = new Sink();
    let answer: 'yes' | 'error' | 'no' = 'yes';
    openSseSession(feed, sink, {
      recheckMs: 5,
      stillAllowed: async () => {
        if (answer === 'error') throw new Error('database away');
        return answer === 'yes';
      },
    });
    await new Promise((r) => setTimeout(r, 30));
    expect(sink.ended).toBe(false);
    answer = 'error';
    await new Promise((r) => setTimeout(r, 30));
    expect(sink.ended).toBe(false);
    answer = 'no';
    await new Promise((r) => setTimeout(r, 30));
    expect(sink.ended).toBe(true);
    expect(feed.listenerCount).toBe(0);
    await feed.stop();
  });

  it('cuts off a listener that does not keep up', async () => {
    const feed = new LiveFeed(new FakeSource(), new FakeProgress(), { statsIntervalMs: 60_000, idleStopMs: 5 });
    const sink = new Sink();
    sink.writableLength = 10_000;
    openSseSession(feed, sink, { maxBufferedBytes: 100 });
    expect(sink.ended).toBe(true);
    expect(feed.listenerCount).toBe(0);
    await feed.stop();
  });

  it('frames multi-line data safely', () => {
    expect(sseMessage('x', 'a\nb')).toBe('event: x\ndata: "a\\nb"\n\n');
  });
});
