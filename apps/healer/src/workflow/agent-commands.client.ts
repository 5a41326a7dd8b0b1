import type { NatsConnection } from '@nats-io/transport-node';
import type { AgentCommandBody, AgentCommandReply, AgentCommandRequest, Names } from '@immune/contracts';

/** Sends agent commands to the quarantine service (`{ns}.commands.agent`): the healer never appends itself. */
export class AgentCommandsClient {
  constructor(
    private readonly nc: NatsConnection,
    private readonly names: Names,
    private readonly actor: string,
    private readonly timeoutMs: number,
  ) {}

  /** Sends one command; retries on no responder / timeout a few times (the command id makes retries safe). */
  async send(agentId: string, commandId: string, command: AgentCommandBody, correlationId?: string): Promise<AgentCommandReply> {
    const request: AgentCommandRequest = { commandId, agentId, actor: this.actor, command, ...(correlationId ? { correlationId } : {}) };
    let last: unknown = null;
    for (let attempt = 1; attempt <= 4; attempt++) {
      try {
        const msg = await this.nc.request(this.names.agentCommands, JSON.stringify(request), { timeout: this.timeoutMs });
        return msg.json<AgentCommandReply>();
      } catch (e) {
        last = e;
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
    throw new Error(`agent command ${command.type} for ${agentId} failed: ${last instanceof Error ? last.message : String(last)}`);
  }
}
