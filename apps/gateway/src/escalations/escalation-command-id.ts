import type { EscalationCommandBody } from '@immune/contracts';
import { commandIdFor } from '../commands/command-id';

/**
 * The command id of a posture write: fresh, or with an `Idempotency-Key` derived from (key name, key, what the
 * request is about). A new escalation's id is minted per attempt, so it is left out of the scope: a retry after a
 * lost answer (a 5xx frees the key) sends the same command id, and the escalation service answers the first
 * outcome instead of raising a second escalation (or refusing the retry with NO_PATH).
 */
export function escalationCommandId(actor: string, idempotencyKey: string | undefined, command: EscalationCommandBody): string {
  const about = command.type === 'RequestEscalation' ? 'new' : 'escalationId' in command ? command.escalationId : 'posture';
  return commandIdFor(actor, idempotencyKey, `escalation/${command.type}/${about}`);
}
