import { createHash } from 'node:crypto';
import { newId } from '@immune/platform-runtime';

/**
 * The id of a command sent for a request: fresh, or, with an `Idempotency-Key`, derived from (actor, key, scope)
 * so a retry of the same request sends the same command id and the quarantine service answers it once.
 * UUID-shaped (version 8, "custom") so it looks like every other id.
 */
export function commandIdFor(actor: string, idempotencyKey: string | undefined, scope = ''): string {
  if (idempotencyKey === undefined) return newId();
  const hex = createHash('sha256').update(`${actor}\n${idempotencyKey}\n${scope}`).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
