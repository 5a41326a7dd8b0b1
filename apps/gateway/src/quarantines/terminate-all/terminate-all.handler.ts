import type { ErrorCode } from '@immune/contracts';
import type { AgentQueries } from '../../agents/agent.queries';
import type { AgentCommandHandler } from '../../commands/agent-command.handler';
import { forEachAgent } from '../../commands/for-each-agent';
import type { Caller } from '../../keys/api-key.service';

export interface TerminateAllResult {
  terminated: number;
  failed: { agentId: string; code: ErrorCode }[];
}

/**
 * `POST /quarantines/terminate-all`: terminates every agent under an active quarantine (framework-free).
 * Agents are independent aggregates, so a refusal of one is reported and the others go on.
 */
export class TerminateAllHandler {
  constructor(
    private readonly agents: AgentQueries,
    private readonly commands: AgentCommandHandler,
  ) {}

  async execute(caller: Caller, resolution: string, idempotencyKey?: string): Promise<TerminateAllResult> {
    const ids = await this.agents.quarantinedIds();
    const { succeeded, failed } = await forEachAgent(ids, (agentId) =>
      this.commands.send({
        agentId,
        caller,
        command: { type: 'TerminateAgent', resolution },
        scope: `terminate-all:${agentId}`,
        ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
      }),
    );
    return { terminated: succeeded, failed };
  }
}
