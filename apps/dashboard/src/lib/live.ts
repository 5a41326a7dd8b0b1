import type { Api } from './api';
import { SseParser } from './sse-parser';
import type { FleetStats, LogEvent } from './types';

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface LiveHandlers {
  /** The stream (re)opened: reload what is shown (events may have been missed in between). */
  onHello(hello: { name?: string; role?: string; stats?: FleetStats | null }): void;
  onEvent(e: LogEvent): void;
  onStats(s: FleetStats): void;
  onState(s: LiveState): void;
}

/**
 * The gateway's live feed (`GET /api/v1/stream`, server-sent events) read with fetch, because EventSource cannot
 * send the Authorization header; reconnects with backoff. Returns the function that closes it.
 */
export function connectLive(api: Api, h: LiveHandlers): () => void {
  const ctrl = new AbortController();
  let attempt = 0;
  const run = async () => {
    while (!ctrl.signal.aborted) {
      h.onState(attempt === 0 ? 'connecting' : 'reconnecting');
      try {
        const res = await api.stream('/stream', ctrl.signal);
        if (!res.ok || !res.body) throw new Error(`stream: HTTP ${res.status}`);
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        const parser = new SseParser();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const m of parser.push(decoder.decode(value, { stream: true }))) {
            const data: unknown = JSON.parse(m.data);
            if (m.event === 'hello') {
              attempt = 0;
              h.onState('live');
              h.onHello(data as { name?: string; role?: string; stats?: FleetStats | null });
            } else if (m.event === 'event') h.onEvent(data as LogEvent);
            else if (m.event === 'stats') h.onStats(data as FleetStats);
          }
        }
      } catch {
        /* dropped or refused: retry below */
      }
      if (ctrl.signal.aborted) break;
      attempt++;
      h.onState('reconnecting');
      await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * 2 ** Math.min(attempt, 5))));
    }
    h.onState('closed');
  };
  void run();
  return () => ctrl.abort();
}
