import { ImmuneError } from '@immune/contracts';

/**
 * `If-Match: <version>` → the expected agent version. Accepts `"12"` (an ETag as we send it) or `12`; `*` (or no
 * header) means any version. Weak tags and lists cannot name one version: 400 REQUEST.PRECONDITION_INVALID.
 */
export function parseIfMatch(header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined;
  const raw = (Array.isArray(header) ? header.join(',') : header).trim();
  if (raw === '' || raw === '*') return undefined;
  const m = /^(?:"(\d{1,15})"|(\d{1,15}))$/.exec(raw);
  const digits = m?.[1] ?? m?.[2];
  if (digits === undefined) {
    throw new ImmuneError(
      'REQUEST.PRECONDITION_INVALID',
      'Invalid precondition',
      `If-Match must be one version as returned in ETag (e.g. "12") or *, not ${JSON.stringify(raw.slice(0, 64))}.`,
    );
  }
  return Number(digits);
}

/** The ETag of a versioned view: a strong tag of the version. */
export function etagOf(version: number): string {
  return `"${version}"`;
}
