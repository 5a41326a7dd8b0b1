/**
 * Server-sent events framing (https://html.spec.whatwg.org/multipage/server-sent-events.html): one `event:` name,
 * `data:` lines (a JSON value never contains a raw newline, but split anyway so the framing can never break),
 * an optional `id:`, and a blank line.
 */
export function sseMessage(event: string, data: unknown, id?: string | number): string {
  const json = JSON.stringify(data) ?? 'null';
  const lines = json.split(/\r\n|\r|\n/).map((l) => `data: ${l}`);
  return `event: ${event}\n${id !== undefined ? `id: ${String(id)}\n` : ''}${lines.join('\n')}\n\n`;
}

/** A comment line: keeps proxies and the browser from timing out an idle stream. */
export const SSE_KEEPALIVE = ': keepalive\n\n';

/** First bytes of every stream: how long the browser waits before reconnecting. */
export const sseRetry = (ms: number): string => `retry: ${Math.max(0, Math.round(ms))}\n\n`;
