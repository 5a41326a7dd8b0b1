import { isOneCompactValueText } from './compact-json';

/**
 * The text of an envelope's `data` as the message holds it, so the archive can store it instead of encoding the
 * parsed value again (JSON.stringify of every `data` was a sixth of a rebuild's main-thread CPU).
 *
 * Our writer stores `JSON.stringify(envelope)` with `data` just before `prevHash` and `hash`, so the text is
 * `{…,"data":<data>,"prevHash":<p>,"hash":<h>}`. The span is taken only when it provably is the value JSON.parse
 * gave `data`, in compact form; any other message (another writer, whitespace, duplicate keys, a forged layout)
 * gets null and the caller encodes the parsed value, as before. Given that `text` is valid JSON (it parsed):
 *
 * - the tail is exactly `,"prevHash":<p>,"hash":<h>}` rebuilt from the parsed values: every quote in it follows a
 *   non-backslash, so it is structure, and the values are the last ones JSON.parse kept;
 * - the first `,"data":` is a key (a quote after a comma opens a string) — at the top level or nested in an
 *   earlier value;
 * - between the two lies exactly one value: depth never below zero (so the key was top-level: a nested one
 *   would have to close its container), no `,` or `:` at depth zero (so no second value, as a duplicate `data`
 *   key would add), depth zero at the end, no whitespace outside strings (laid out as JSON.stringify lays it out;
 *   number forms and escapes stay as logged). Being followed directly by the tail, it is the last `data`, the one
 *   JSON.parse kept.
 */
export function rawDataJson(text: string, envelope: { readonly prevHash?: unknown; readonly hash?: unknown }): string | null {
  const end = tailStart(text, envelope);
  if (end < 0) return null;
  const key = text.indexOf(',"data":');
  if (key < 0) return null;
  const start = key + 8;
  return start < end && isOneCompactValueText(text, start, end) ? text.slice(start, end) : null;
}

/**
 * Where `,"prevHash":<p>,"hash":<h>}` (or `,"hash":<h>}` for an envelope without prevHash) begins, matched piece by
 * piece from the end against the parsed values; -1 when the text does not end so.
 */
function tailStart(text: string, envelope: { readonly prevHash?: unknown; readonly hash?: unknown }): number {
  const { prevHash, hash } = envelope;
  if (typeof hash !== 'string') return -1;
  let at = endsWithAt(text, text.length, '}');
  at = endsWithString(text, at, hash);
  at = endsWithAt(text, at, ',"hash":');
  if (prevHash === undefined || at < 0) return at;
  if (prevHash !== null && typeof prevHash !== 'string') return -1;
  at = prevHash === null ? endsWithAt(text, at, 'null') : endsWithString(text, at, prevHash);
  return endsWithAt(text, at, ',"prevHash":');
}

/** The position `piece` starts at when text[…, end) ends with it, else -1 (also for end < 0). */
function endsWithAt(text: string, end: number, piece: string): number {
  if (end < 0) return -1;
  const at = end - piece.length;
  return at >= 0 && text.startsWith(piece, at) ? at : -1;
}

/**
 * endsWithAt for the JSON of a string. One without quotes or backslashes (every hash our writer stores) is
 * matched in place: such text between two quotes can only be that string's JSON (a raw control character would
 * not have parsed).
 */
function endsWithString(text: string, end: number, s: string): number {
  if (s.indexOf('"') !== -1 || s.indexOf('\\') !== -1) return endsWithAt(text, end, JSON.stringify(s));
  const at = end - s.length - 2;
  return at >= 0 && text.charCodeAt(at) === 0x22 && text.charCodeAt(end - 1) === 0x22 && text.startsWith(s, at + 1) ? at : -1;
}
