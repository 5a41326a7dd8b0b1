import type { ErrorCode } from '@immune/contracts';
import type { AgentQueries } from '../agents/agent.queries';
import type { AgentCommandHandler } from '../commands/agent-command.handler';
import { forEachAgent } from '../commands/for-each-agent';
import type { Caller } from '../keys/api-key.service';

export interface ApproveAllResult {
  approved: number;
  failed: { agentId: string; code: ErrorCode }[];
}

export interface RejectAllResult {
  rejected: number;
  failed: { agentId: string; code: ErrorCode }[];
}

/**
 * `POST /approvals/approve-all` and `/approvals/reject-all` (framework-free): one ApproveHealing or RejectHealing
 * per agent whose quarantine waits for approval (`approval: pending` in the read model), answered once the read
 * models show them. An agent settled in between (by another operator) is reported in `failed` with
 * APPROVAL.NOT_PENDING; the others go on.
 */
export class DecideAllApprovalsHandler {
  constructor(
    private readonly agents: AgentQueries,
    private readonly commands: Pick<AgentCommandHandler, 'send'>,
  ) {}

  async approveAll(caller: Caller, reason: string | null, idempotencyKey?: string): Promise<ApproveAllResult> {
    const { succeeded, failed } = await this.decideAll('ApproveHealing', caller, reason, idempotencyKey);
    return { approved: succeeded, failed };
  }

  async rejectAll(caller: Caller, reason: string | null, idempotencyKey?: string): Promise<RejectAllResult> {
    const { succeeded, failed } = await this.decideAll('RejectHealing', caller, reason, idempotencyKey);
    return { rejected: succeeded, failed };
  }

  private async decideAll(type: 'ApproveHealing' | 'RejectHealing', caller: Caller, reason: string | null, idempotencyKey?: string) {
    const ids = await this.agents.idsByApproval('pending');
    return forEachAgent(ids, (agentId) =>
      this.commands.send({
        agentId,
        caller,
        command: { type, reason },
        scope: `${type}-all:${agentId}`,
        ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
      }),
    );
  }
}
