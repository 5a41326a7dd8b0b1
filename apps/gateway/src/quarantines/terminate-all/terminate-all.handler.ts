import { isImmuneError, type ErrorCode } from '@immune/contracts';
import type { AgentQueries } from '../../agents/agent.queries';
import type { AgentCommandHandler } from '../../commands/agent-command.handler';
import type { Caller } from '../../keys/api-key.service';

export interface TerminateAllResult {
  terminated: number;
  failed: { agentId: string; code: ErrorCode }[];
}

const PARALLEL = 8;

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
    const result: TerminateAllResult = { terminated: 0, failed: [] };
    let next = 0;
    const worker = async () => {
      while (next < ids.length) {
        const agentId = ids[next++]!;
        try {
          await this.commands.send({
            agentId,
            caller,
            command: { type: 'TerminateAgent', resolution },
            scope: `terminate-all:${agentId}`,
            ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
          });
          result.terminated++;
        } catch (e) {
          result.failed.push({ agentId, code: isImmuneError(e) ? e.code : 'INTERNAL' });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, ids.length) }, worker));
    result.failed.sort((a, b) => (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0));
    return result;
  }
}
