import { HEALING_ACTIONS, isHealingAction, type AgentCommand, type AgentCommandReply, type HealingAction } from './wire';

/**
 * What a healing handler returns: nothing or a string (acknowledged, the string becomes `detail`), or an
 * explicit `{ ok, detail }` to decline without throwing. A handler that throws is a failed action.
 */
export type HandlerResult = void | string | { ok: boolean; detail?: string };
export type CommandHandler = (command: AgentCommand) => HandlerResult | Promise<HandlerResult>;

const REMEMBERED_REPLIES = 256;
const MAX_DETAIL = 512;

/**
 * Turns requests of the agent command channel into replies. Never throws: a malformed request, an unknown
 * action, a missing handler or a handler that throws all become `ok: false` with a `detail`. A repeat of a
 * `commandId` (the healer retrying) gets the first answer without running the handler again.
 */
export class CommandDispatcher {
  private readonly handlers = new Map<HealingAction, CommandHandler>();
  private readonly replies = new Map<string, Promise<AgentCommandReply>>();

  register(action: HealingAction, handler: CommandHandler): void {
    if (!isHealingAction(action)) throw new RangeError(`unknown healing action "${String(action)}": one of ${HEALING_ACTIONS.join(', ')}`);
    this.handlers.set(action, handler);
  }

  unregister(action: HealingAction): void {
    this.handlers.delete(action);
  }

  get registered(): HealingAction[] {
    return [...this.handlers.keys()];
  }

  /** Handles one request body: raw bytes from the wire, or an already decoded value. */
  handle(body: Uint8Array | unknown): Promise<AgentCommandReply> {
    let value: unknown = body;
    if (body instanceof Uint8Array) {
      try {
        value = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
      } catch {
        return Promise.resolve({ commandId: '', ok: false, detail: 'the request is not valid JSON' });
      }
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return Promise.resolve({ commandId: '', ok: false, detail: 'the request must be a JSON object {commandId, action, params}' });
    }
    const v = value as Record<string, unknown>;
    const commandId = typeof v['commandId'] === 'string' ? v['commandId'] : '';
    if (commandId.length === 0) return Promise.resolve({ commandId, ok: false, detail: 'commandId must be a non-empty string' });
    const known = this.replies.get(commandId);
    if (known) return known;
    const reply = this.run(commandId, v['action'], v['params']);
    this.replies.set(commandId, reply);
    if (this.replies.size > REMEMBERED_REPLIES) {
      const oldest = this.replies.keys().next().value;
      if (oldest !== undefined) this.replies.delete(oldest);
    }
    return reply;
  }

  private async run(commandId: string, action: unknown, rawParams: unknown): Promise<AgentCommandReply> {
    if (!isHealingAction(action)) {
      return { commandId, ok: false, detail: `unknown action ${JSON.stringify(action)}: expected one of ${HEALING_ACTIONS.join(', ')}` };
    }
    const handler = this.handlers.get(action);
    if (!handler) return { commandId, ok: false, detail: `this agent has no handler for ${action}` };
    const params = typeof rawParams === 'object' && rawParams !== null && !Array.isArray(rawParams) ? (rawParams as Record<string, unknown>) : {};
    try {
      const result = await handler({ commandId, action, params });
      if (result === undefined) return { commandId, ok: true };
      if (typeof result === 'string') return { commandId, ok: true, detail: clip(result) };
      return { commandId, ok: result.ok === true, ...(result.detail !== undefined ? { detail: clip(String(result.detail)) } : {}) };
    } catch (e) {
      return { commandId, ok: false, detail: clip(`${action} failed: ${e instanceof Error ? e.message : String(e)}`) };
    }
  }
}

function clip(s: string): string {
  return s.length > MAX_DETAIL ? `${s.slice(0, MAX_DETAIL - 1)}…` : s;
}
