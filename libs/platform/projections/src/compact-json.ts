/**
 * The one check raw-data.ts (on the message text, main thread) and archive-row.ts (on the message bytes, reader
 * thread) both make before they store an envelope's `data` as the message holds it: src[start, end) — a span of a
 * valid JSON text that starts at a value — is exactly one value, in compact form. Depth never below zero, no `,` or
 * `:` at depth zero (a second value), no whitespace outside strings, depth zero at the end; strings are skipped to
 * their closing quote, the next quote (found natively) not escaped by an odd run of backslashes. Every character
 * it looks at is ASCII, so the rule is the same on UTF-16 code units and on UTF-8 bytes.
 *
 * Written out twice, once per representation, on purpose: one function over both (an accessor per call) measured
 * twice as slow on the reader thread's bytes. compact-json.unit.spec.ts holds the two to the same answers.
 * No imports: the reader's worker thread loads this (see worker-thread.ts).
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The check on a string (the main thread's message text). */
export function isOneCompactValueText(text: string, start: number, end: number): boolean {
  let depth = 0;
  let i = start;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let q = i + 1;
      for (;;) {
        q = text.indexOf('"', q);
        if (q < 0 || q >= end) return false;
        let backslashes = 0;
        while (text.charCodeAt(q - 1 - backslashes) === BACKSLASH) backslashes++;
        if ((backslashes & 1) === 0) break;
        q++;
      }
      i = q + 1;
      continue;
    }
    if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      if (--depth < 0) return false;
    } else if (c <= 0x20) return false;
    else if (depth === 0 && (c === 0x2c || c === 0x3a)) return false;
    i++;
  }
  return depth === 0;
}

/** The same check on UTF-8 bytes (the reader thread's message bytes). */
export function isOneCompactValueBytes(src: Buffer, start: number, end: number): boolean {
  let depth = 0;
  let i = start;
  while (i < end) {
    const c = src[i]!;
    if (c === QUOTE) {
      let q = i + 1;
      for (;;) {
        q = src.indexOf(QUOTE, q);
        if (q < 0 || q >= end) return false;
        let backslashes = 0;
        while (src[q - 1 - backslashes] === BACKSLASH) backslashes++;
        if ((backslashes & 1) === 0) break;
        q++;
      }
      i = q + 1;
      continue;
    }
    if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      if (--depth < 0) return false;
    } else if (c <= 0x20) return false;
    else if (depth === 0 && (c === 0x2c || c === 0x3a)) return false;
    i++;
  }
  return depth === 0;
}
