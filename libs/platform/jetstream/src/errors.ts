import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';

/**
 * Another writer appended to the aggregate since `expected` was read (JetStream 10071, wrong last sequence).
 * Callers reload the aggregate and retry the command, or answer 409/412.
 */
export class ConcurrencyError extends Error {
  override readonly name = 'ConcurrencyError';
  constructor(
    readonly subject: string,
    /** The version (stream sequence of the last event) the append expected. */
    readonly expected: number,
    /** The actual last sequence of the subject, when the server said so. */
    readonly actual: number | null,
    /** Index in the batch of the event that was refused; earlier events of the batch are stored (no atomic batches on 2.9). */
    readonly index: number,
  ) {
    super(`concurrency conflict on ${subject}: expected version ${expected}, actual ${actual ?? 'unknown'}`);
  }
}

export function isConcurrencyError(e: unknown): e is ConcurrencyError {
  return e instanceof ConcurrencyError;
}

export function jetStreamApiCode(e: unknown): number | null {
  return e instanceof JetStreamApiError ? e.code : null;
}

export function isWrongLastSequence(e: unknown): boolean {
  const code = jetStreamApiCode(e);
  return code === JetStreamApiCodes.StreamWrongLastSequence || code === JetStreamApiCodes.StreamWrongLastSequenceUnknown;
}

/** 'no message found' (10037 / 404) from a direct or API message get. */
export function isNoMessageFound(e: unknown): boolean {
  if (jetStreamApiCode(e) === JetStreamApiCodes.NoMessageFound) return true;
  return e instanceof JetStreamApiError && e.status === 404 && /no message/i.test(e.message);
}

/** Maps a publish failure to a ConcurrencyError when it is one; the server says `wrong last sequence: N`. */
export function toConcurrencyError(e: unknown, subject: string, expected: number, index: number): ConcurrencyError | null {
  if (!isWrongLastSequence(e)) return null;
  const m = /wrong last sequence:\s*(\d+)/i.exec((e as Error).message);
  return new ConcurrencyError(subject, expected, m ? Number(m[1]) : null, index);
}
