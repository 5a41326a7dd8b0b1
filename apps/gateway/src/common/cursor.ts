import { ImmuneError } from '@immune/contracts';
import { validationError } from './problem';

/**
 * Opaque list cursors: base64url of the JSON of the last row's sort key. Clients pass `nextCursor` back as
 * `?cursor=`; its content is not part of the contract.
 */
export function encodeCursor(key: unknown): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** Decodes a cursor and checks its shape; anything else is a 400 VALIDATION.FAILED on `cursor`. */
export function decodeCursor<T>(cursor: string, isKey: (v: unknown) => v is T): T {
  let value: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+={0,2}$/.test(cursor)) throw new Error('not base64url');
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (!isKey(value)) throw invalidCursor();
  return value;
}

function invalidCursor(): ImmuneError {
  return validationError([{ field: 'cursor', messages: ['cursor is not a cursor this list returned'] }]);
}

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

/** `?limit=`: an integer 1..max, default 50. */
export function parseLimit(raw: unknown, fallback = DEFAULT_LIMIT, max = MAX_LIMIT): number {
  if (raw === undefined || raw === '') return fallback;
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw validationError([{ field: 'limit', messages: [`limit must be an integer from 1 to ${max}`] }]);
  }
  return n;
}

/** An optional enum query parameter. */
export function parseEnum<T extends string>(field: string, raw: unknown, allowed: readonly T[]): T | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw === 'string' && (allowed as readonly string[]).includes(raw)) return raw as T;
  throw validationError([{ field, messages: [`${field} must be one of: ${allowed.join(', ')}`] }]);
}

/** An optional free-text query parameter (a single value, at most `max` characters). */
export function parseText(field: string, raw: unknown, max = 256): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw === 'string' && raw.length <= max) return raw;
  throw validationError([{ field, messages: [`${field} must be a single string of at most ${max} characters`] }]);
}

/** An optional boolean query parameter: `true` or `false`. */
export function parseBool(field: string, raw: unknown): boolean | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw validationError([{ field, messages: [`${field} must be true or false`] }]);
}

/** An optional non-negative integer query parameter (e.g. a stream sequence). */
export function parseSeq(field: string, raw: unknown): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const n = typeof raw === 'string' && /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n)) throw validationError([{ field, messages: [`${field} must be a non-negative integer`] }]);
  return n;
}
