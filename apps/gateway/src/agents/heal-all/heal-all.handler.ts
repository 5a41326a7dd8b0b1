import type { ErrorCode } from '@immune/contracts';
import type { AgentCommandHandler } from '../../commands/agent-command.handler';
import { forEachAgent } from '../../commands/for-each-agent';
import type { Caller } from '../../keys/api-key.service';
import type { AgentQueries } from '../agent.queries';

export interface HealAllResult {
  requested: number;
  failed: { agentId: string; code: ErrorCode }[];
}

/**
 * `POST /agents/heal-all` (framework-free): heal-now (RequestHealing) for every quarantined agent that waits for
 * an operator's heal-now — manual quarantines not yet asked to heal, and quarantines whose approval was rejected.
 * Pending approvals are not touched (approve-all is for them), and automatic or approved quarantines are
 * healing already. See AgentQueries.healableIds.
 */
export class HealAllHandler {
  constructor(
    private readonly agents: AgentQueries,
    private readonly commands: Pick<AgentCommandHandler, 'send'>,
  ) {}

  async execute(caller: Caller, reason: string | null, idempotencyKey?: string): Promise<HealAllResult> {
    const ids = await this.agents.healableIds();
    const { succeeded, failed } = await forEachAgent(ids, (agentId) =>
      this.commands.send({
        agentId,
        caller,
        command: { type: 'RequestHealing', reason },
        scope: `heal-all:${agentId}`,
        ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
      }),
    );
    return { requested: succeeded, failed };
  }
}
