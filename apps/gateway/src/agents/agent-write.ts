import type { AgentCommandBody, AgentView } from '@immune/contracts';
import type { GatewayResponse } from '../common/http-types';
import { etagOf, parseIfMatch } from '../common/if-match';
import type { AgentCommandHandler } from '../commands/agent-command.handler';
import { parseIdempotencyKey } from '../idempotency/idempotency.store';
import type { Caller } from '../keys/api-key.service';

export interface AgentWriteHeaders {
  ifMatch?: string | string[];
  idempotencyKey?: string | string[];
}

/** What every agent write controller does after validation: headers → command → view, with its ETag. */
export async function writeAgent(
  handler: AgentCommandHandler,
  res: Pick<GatewayResponse, 'setHeader'>,
  agentId: string,
  caller: Caller,
  command: AgentCommandBody,
  headers: AgentWriteHeaders,
): Promise<AgentView> {
  const expectedVersion = parseIfMatch(headers.ifMatch);
  const idempotencyKey = parseIdempotencyKey(headers.idempotencyKey);
  const view = await handler.execute({
    agentId,
    caller,
    command,
    ...(expectedVersion !== undefined ? { expectedVersion } : {}),
    ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
  });
  res.setHeader('ETag', etagOf(view.version));
  return view;
}
