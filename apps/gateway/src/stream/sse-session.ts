import type { FeedMessage, LiveFeed } from './live-feed';
import { SSE_KEEPALIVE, sseMessage, sseRetry } from './sse';

/** The parts of an HTTP response a session writes to (Node's ServerResponse fits). */
export interface SseSink {
  setHeader(name: string, value: string): unknown;
  flushHeaders?(): void;
  write(chunk: string): boolean;
  end(): unknown;
  readonly writableLength: number;
  statusCode: number;
}

export interface SseSessionOptions {
  keepaliveMs?: number;
  retryMs?: number;
  /** A listener this far behind (bytes buffered) is cut off; its browser reconnects and reloads. */
  maxBufferedBytes?: number;
  /** Sent first, as event `hello` (who is listening, where the log is). */
  hello?: Record<string, unknown>;
  /**
   * Asked every `recheckMs` whether the listener may still read (its key not deleted meanwhile): false ends the
   * stream, so a revoked key does not keep receiving the log for as long as the connection lives.
   */
  stillAllowed?: () => Promise<boolean>;
  recheckMs?: number;
}

/**
 * One dashboard's stream: headers, a `hello`, then every feed message as an SSE event (`event` with the
 * event's sequence as `id`, or `stats`) and a keepalive comment. A listener that cannot keep up is closed
 * instead of buffering without bound. Returns the function that ends it (also called when the client leaves).
 */
export function openSseSession(feed: LiveFeed, sink: SseSink, opts: SseSessionOptions = {}): () => void {
  const maxBuffered = opts.maxBufferedBytes ?? 4 * 1024 * 1024;
  sink.statusCode = 200;
  sink.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  sink.setHeader('Cache-Control', 'no-store, no-transform');
  sink.setHeader('Connection', 'keep-alive');
  sink.setHeader('X-Accel-Buffering', 'no');
  sink.flushHeaders?.();

  let closed = false;
  const timers: { keepalive?: NodeJS.Timeout; recheck?: NodeJS.Timeout; unsubscribe?: () => void } = {};
  const close = (): void => {
    if (closed) return;
    closed = true;
    if (timers.keepalive) clearInterval(timers.keepalive);
    if (timers.recheck) clearInterval(timers.recheck);
    timers.unsubscribe?.();
    try {
      sink.end();
    } catch {
      /* the socket is already gone */
    }
  };
  const write = (chunk: string) => {
    if (closed) return;
    sink.write(chunk);
    if (sink.writableLength > maxBuffered) close();
  };
  write(sseRetry(opts.retryMs ?? 3_000));
  write(sseMessage('hello', { ...(opts.hello ?? {}), stats: feed.stats }));
  if (closed) return close;

  timers.unsubscribe = feed.subscribe((m: FeedMessage) => {
    if (m.kind === 'event') write(sseMessage('event', m.event, m.event.seq));
    else write(sseMessage('stats', m.stats));
  });
  timers.keepalive = setInterval(() => write(SSE_KEEPALIVE), opts.keepaliveMs ?? 15_000);
  timers.keepalive.unref?.();
  const stillAllowed = opts.stillAllowed;
  if (stillAllowed) {
    let asking = false;
    timers.recheck = setInterval(() => {
      if (asking || closed) return;
      asking = true;
      stillAllowed()
        .then((ok) => {
          if (!ok) close();
        })
        .catch(() => undefined) // the key store is away: keep the stream; the next check decides
        .finally(() => (asking = false));
    }, opts.recheckMs ?? 15_000);
    timers.recheck.unref?.();
  }
  return close;
}
