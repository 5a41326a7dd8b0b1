import type { EventEnvelope, StoredEvent } from '@immune/contracts';
import { timestamptzMicros } from './copy-binary';
import { rawDataJson } from './raw-data';

/** A stored message the projections cannot use: not JSON, not an envelope, or a value PostgreSQL would refuse. */
export class PoisonEventError extends Error {
  override readonly name = 'PoisonEventError';
  constructor(
    readonly seq: number,
    readonly subject: string,
    reason: string,
  ) {
    super(`event at seq ${seq} (${subject}) is unusable: ${reason}`);
  }
}

export function isPoisonEvent(e: unknown): e is PoisonEventError {
  return e instanceof PoisonEventError;
}

const REQUIRED_TEXT = ['id', 'type', 'aggregate', 'aggregateId', 'occurredAt', 'actor', 'correlationId', 'causationId', 'hash'] as const;
/** A NUL or a surrogate escape in the raw text: the only JSON PostgreSQL (text, jsonb) may refuse. */
const SUSPICIOUS_ESCAPE = /\\u(0000|[dD][89a-fA-F])/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Decodes one message of the event log. The live projector and the rebuild both decode with this, so they
 * skip exactly the same messages (a poison message is logged, counted and terminated by the live projector,
 * skipped by the rebuild) and end with the same tables. Aggregates are not restricted to today's kinds: a
 * future kind still belongs in the archive.
 */
export function decodeStoredEvent(seq: number, subject: string, data: Uint8Array | string, opts: { delimitData?: boolean } = {}): StoredEvent {
  const text = typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new PoisonEventError(seq, subject, `not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new PoisonEventError(seq, subject, 'not a JSON object');
  const v = value as Record<string, unknown>;
  for (const key of REQUIRED_TEXT) {
    if (typeof v[key] !== 'string' || v[key] === '') throw new PoisonEventError(seq, subject, `field "${key}" missing or not a non-empty string`);
  }
  if (!('data' in v)) throw new PoisonEventError(seq, subject, 'field "data" missing');
  if (v['prevHash'] !== null && v['prevHash'] !== undefined && typeof v['prevHash'] !== 'string') throw new PoisonEventError(seq, subject, 'field "prevHash" not a string or null');
  if ('agentId' in v && v['agentId'] !== undefined && typeof v['agentId'] !== 'string') throw new PoisonEventError(seq, subject, 'field "agentId" not a string');
  const at = v['occurredAt'] as string;
  if (!isIsoTime(at)) throw new PoisonEventError(seq, subject, `occurredAt "${at.slice(0, 40)}" is not an ISO-8601 time`);
  // includes() first: a native scan, far cheaper than the regex over every message, and most have no \u at all.
  if (text.includes('\\u') && SUSPICIOUS_ESCAPE.test(text)) {
    const bad = badString(value);
    if (bad) throw new PoisonEventError(seq, subject, bad);
  }
  const envelope = value as EventEnvelope;
  // Not needed when the caller has the archive row already (the rebuild's reader thread wrote it, archive-row.ts).
  const dataJson = opts.delimitData === false ? null : rawDataJson(text, envelope);
  return dataJson === null ? { seq, subject, envelope } : { seq, subject, envelope, dataJson };
}

/**
 * What both JavaScript and PostgreSQL's timestamptz accept: the ISO-8601 form, a real date (JavaScript alone would
 * take 2026-02-30), within PostgreSQL's range (year 0 or a +16:00 offset would stop the projector), and one
 * JavaScript reads (it refuses a +02 offset). The grammar and the calendar are copy-binary.ts's, which the rebuild
 * uses to COPY the same times.
 */
function isIsoTime(at: string): boolean {
  return timestamptzMicros(at) !== null && Number.isFinite(Date.parse(at));
}

function badString(value: unknown): string | null {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) return 'a string contains NUL, which PostgreSQL text and jsonb refuse';
    if (LONE_SURROGATE.test(value)) return 'a string contains a lone UTF-16 surrogate, which PostgreSQL jsonb refuses';
    return null;
  }
  if (Array.isArray(value)) {
    for (const x of value) {
      const bad = badString(x);
      if (bad) return bad;
    }
    return null;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [k, x] of Object.entries(value)) {
      const bad = badString(k) ?? badString(x);
      if (bad) return bad;
    }
  }
  return null;
}
