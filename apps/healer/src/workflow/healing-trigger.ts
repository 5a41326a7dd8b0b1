import type { EventEnvelope } from '@immune/contracts';
import type { HealingRunner } from './healing.runner';

/** Agent events that may start (or restart) a healing; the loop itself follows the rest from the log. */
export const TRIGGER_EVENT_TYPES: ReadonlySet<string> = new Set(['AgentQuarantined', 'HealingApproved', 'HealingRequested']);

/**
 * The healer consumer's handler: kicks the runner on a trigger. It returns (the message is acked) once a loop
 * holds the agent's lease, here or at another instance that re-reads the log before it lets go. A runner that is
 * stopping starts nothing: the handler throws so the trigger is nak'ed and redelivered to the next healer,
 * instead of being acked and lost (nothing else would ever look at that agent again).
 */
export async function handleTrigger(runner: Pick<HealingRunner, 'kick'>, envelope: Pick<EventEnvelope, 'aggregate' | 'aggregateId' | 'type'>): Promise<void> {
  if (envelope.aggregate !== 'agent' || !TRIGGER_EVENT_TYPES.has(envelope.type)) return;
  const outcome = await runner.kick(envelope.aggregateId);
  if (outcome === 'stopped') throw new Error(`healer stopping: ${envelope.type} of ${envelope.aggregateId} is left for the next healer`);
}
