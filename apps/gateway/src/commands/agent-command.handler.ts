import { ImmuneError, type AgentCommandBody, type AgentView } from '@immune/contracts';
import type { AgentQueries } from '../agents/agent.queries';
import type { Caller } from '../keys/api-key.service';
import { commandIdFor } from './command-id';
import type { CommandAccepted, CommandClient } from './command.client';
import type { ProjectionProgress } from './projection-progress';

export interface AgentCommandInput {
  agentId: string;
  caller: Caller;
  command: AgentCommandBody;
  /** From `If-Match`: the version the caller saw. */
  expectedVersion?: number;
  /** From `Idempotency-Key`: makes the command id deterministic, so a retry is the same command. */
  idempotencyKey?: string;
  /** Distinguishes several commands sent for one request (e.g. terminate-all). */
  scope?: string;
  correlationId?: string;
}

/** The last stream sequence a command's effect lives at. */
export function lastSequenceOf(reply: CommandAccepted): number {
  return Math.max(reply.version, ...reply.sequences);
}

/**
 * One agent write, end to end (framework-free): send the command, wait until the read models include its
 * events (read-your-writes), then answer the agent as reads will show it.
 */
export class AgentCommandHandler {
  constructor(
    private readonly client: CommandClient,
    private readonly progress: ProjectionProgress,
    private readonly agents: AgentQueries,
    private readonly waitTimeoutMs = 5_000,
  ) {}

  /** Sends the command and waits for the read models; answers the accepted reply. */
  async send(input: AgentCommandInput): Promise<CommandAccepted> {
    const commandId = commandIdFor(input.caller.name, input.idempotencyKey, input.scope ?? `${input.agentId}/${input.command.type}`);
    const reply = await this.client.send({
      commandId,
      agentId: input.agentId,
      actor: input.caller.name,
      correlationId: input.correlationId ?? commandId,
      ...(input.expectedVersion !== undefined ? { expectedVersion: input.expectedVersion } : {}),
      command: input.command,
    });
    await this.progress.waitFor(lastSequenceOf(reply), this.waitTimeoutMs);
    return reply;
  }

  async execute(input: AgentCommandInput): Promise<AgentView> {
    await this.send(input);
    const view = await this.agents.get(input.agentId);
    if (!view) {
      throw new ImmuneError('AGENT.NOT_FOUND', 'Agent not found', `agent "${input.agentId}" is not in the read models`);
    }
    return view;
  }
}
