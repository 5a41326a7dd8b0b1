import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { EventEnvelope } from '@immune/contracts';

export type UnsealedEnvelope<TType extends string = string, TData = unknown> = Omit<EventEnvelope<TType, TData>, 'hash'>;

/** RFC 8785 (JCS) canonical JSON: sorted keys, ES number formatting, no whitespace; the input to every hash. */
export function canonicalJson(value: unknown): string {
  const out = canonicalize(value);
  if (out === undefined) throw new TypeError('canonicalJson: value has no JSON representation');
  return out;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Lowercase hex SHA-256 of the canonical JSON of the envelope without `hash` (CONTRACT: event log). */
export function hashEnvelope(envelope: UnsealedEnvelope | EventEnvelope): string {
  // Strip `hash` if present so a stored envelope can be re-hashed as read.
  const { hash: _ignored, ...rest } = envelope as EventEnvelope;
  return sha256Hex(canonicalJson(rest));
}

/**
 * Adds `hash` to an envelope. The envelope is first round-tripped through JSON so the hash covers exactly the
 * bytes that will be stored (undefined fields dropped, Dates as strings), which is what a verifier re-hashes.
 */
export function sealEnvelope<TType extends string, TData>(partial: UnsealedEnvelope<TType, TData>): EventEnvelope<TType, TData> {
  const plain = JSON.parse(JSON.stringify(partial)) as UnsealedEnvelope<TType, TData>;
  return { ...plain, hash: hashEnvelope(plain) };
}

/**
 * SHA-256 over every aggregate head (key → hash of its last event); used by chain checkpoints and the verifier.
 * Keys are subjects without the `{ns}.events.` prefix (see headKey) so a log restored into another namespace
 * still verifies.
 */
export function headsHash(heads: ReadonlyMap<string, string>): string {
  return sha256Hex(canonicalJson(Object.fromEntries(heads)));
}

const AGGREGATES = new Set(['agent', 'escalation', 'posture', 'checkpoint']);

/** Why a parsed message is not a well-formed envelope, or null when it is (shape only; hashes are checked elsewhere). */
export function envelopeShapeError(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const v = value as Record<string, unknown>;
  for (const key of ['id', 'type', 'aggregate', 'aggregateId', 'occurredAt', 'actor', 'correlationId', 'causationId', 'hash']) {
    if (typeof v[key] !== 'string' || v[key] === '') return `field "${key}" missing or not a non-empty string`;
  }
  if (!('schemaVersion' in v)) return 'field "schemaVersion" missing';
  if (!('data' in v)) return 'field "data" missing';
  if (!('prevHash' in v) || (v['prevHash'] !== null && typeof v['prevHash'] !== 'string')) return 'field "prevHash" missing or not a string/null';
  if ('agentId' in v && typeof v['agentId'] !== 'string') return 'field "agentId" is not a string';
  if (!AGGREGATES.has(v['aggregate'] as string)) return `unknown aggregate "${String(v['aggregate'])}"`;
  return null;
}

/** Parses stored bytes as an envelope; throws with a one-line reason when they are not one. */
export function parseEnvelope(data: Uint8Array): EventEnvelope {
  const value: unknown = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  const why = envelopeShapeError(value);
  if (why) throw new Error(`not an event envelope: ${why}`);
  return value as EventEnvelope;
}

/** The key of a subject in the heads map: `{aggregate}.{id}` (the subject without `{ns}.events.`). */
export function headKey(ns: string, subject: string): string {
  const prefix = `${ns}.events.`;
  return subject.startsWith(prefix) ? subject.slice(prefix.length) : subject;
}
