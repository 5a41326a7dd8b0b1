import { agentErrors } from './agent.errors';

// ISO-8601 date-time with an explicit zone: the only time format the aggregate accepts in a command.
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Milliseconds since the epoch of an ISO-8601 date-time, or a VALIDATION.FAILED refusal naming `field`. */
export function parseIsoTime(value: unknown, field: string): number {
  if (typeof value !== 'string' || !ISO_DATE_TIME.test(value)) {
    throw agentErrors.invalid(field, `must be an ISO-8601 date-time with a zone, got ${JSON.stringify(value)}`);
  }
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw agentErrors.invalid(field, `is not a valid date-time: "${value}"`);
  return ms;
}

/** `startMs + seconds` as an ISO-8601 UTC string, or a refusal when the date cannot be represented. */
export function addSeconds(startMs: number, seconds: number, field: string): string {
  const at = new Date(startMs + seconds * 1000);
  if (Number.isNaN(at.getTime())) throw agentErrors.invalid(field, `${seconds} s from now is beyond the representable dates`);
  return at.toISOString();
}

/**
 * Seconds from `fromIso` to `toMs`, never negative (clocks of different services may disagree),
 * at millisecond precision. An unreadable time (only possible in a hand-edited log) counts as 0.
 */
export function elapsedSeconds(fromIso: string, toMs: number): number {
  const fromMs = Date.parse(fromIso);
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) return 0;
  return Math.round(Math.max(0, toMs - fromMs)) / 1000;
}
