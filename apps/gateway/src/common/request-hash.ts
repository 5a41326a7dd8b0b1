import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * Fingerprint of a request for idempotency: method, path (with query) and the canonical JSON of the body, so
 * the same body with keys in another order is the same request.
 */
export function hashRequest(method: string, path: string, body: unknown): string {
  const canonical = canonicalize({ method: method.toUpperCase(), path, body: body === undefined ? null : body }) ?? '';
  return createHash('sha256').update(canonical).digest('hex');
}
