import type { NatsConnection } from '@nats-io/transport-node';
import { parseAgentChannelReply, type AgentChannelReply, type AgentChannelRequest, type Names } from '@immune/contracts';

/**
 * Sends one healing action to the agent (`{ns}.agents.{agentId}.commands`) and waits for its reply. No
 * responder, a timeout or a malformed reply all come back as null: the workflow turns that into a failed action.
 */
export class AgentChannelClient {
  constructor(
    private readonly nc: NatsConnection,
    private readonly names: Names,
    readonly timeoutMs: number,
  ) {}

  async send(agentId: string, request: AgentChannelRequest): Promise<AgentChannelReply | null> {
    const deadline = Date.now() + this.timeoutMs;
    // An agent that is (re)connecting has no responder for a moment: retry until the timeout is spent.
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return null;
      try {
        const msg = await this.nc.request(this.names.agentChannel(agentId), JSON.stringify(request), { timeout: left });
        let body: unknown;
        try {
          body = msg.json();
        } catch {
          return { commandId: request.commandId, ok: false, detail: 'malformed reply' };
        }
        return parseAgentChannelReply(body, request.commandId) ?? { commandId: request.commandId, ok: false, detail: 'malformed reply' };
      } catch (e) {
        if (isNoResponders(e) && deadline - Date.now() > 250) {
          await new Promise((r) => setTimeout(r, 250));
          continue;
        }
        return null;
      }
    }
  }
}

function isNoResponders(e: unknown): boolean {
  const msg = e instanceof Error ? `${e.name} ${e.message}` : String(e);
  return /no ?responders|503/i.test(msg);
}
