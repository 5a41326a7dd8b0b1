import { errors as natsErrors, type NatsConnection } from '@nats-io/transport-node';
import {
  ERROR_STATUS,
  ImmuneError,
  isImmuneError,
  type AgentCommandReply,
  type AgentCommandRequest,
  type ErrorCode,
  type Names,
} from '@immune/contracts';

export type CommandAccepted = Extract<AgentCommandReply, { ok: true }>;

/** Called once per command with its type and outcome (`ok` or an error code), e.g. for metrics. */
export type CommandObserver = (type: string, outcome: string) => void;

/**
 * Sends agent commands to the quarantine service over NATS request/reply (framework-free). No responder is
 * 503 SERVICE.UNAVAILABLE, no reply in time 504 SERVICE.TIMEOUT, a refusal an ImmuneError with its code.
 */
export class CommandClient {
  constructor(
    private readonly nc: NatsConnection,
    private readonly names: Names,
    private readonly timeoutMs = 5_000,
    private readonly observe: CommandObserver = () => undefined,
  ) {}

  async send(request: AgentCommandRequest): Promise<CommandAccepted> {
    const type = request.command.type;
    try {
      const reply = await this.request(request);
      if (!reply.ok) {
        const raw = reply.error.code as string;
        const code: ErrorCode = codesOk.has(raw) ? (raw as ErrorCode) : 'INTERNAL';
        throw new ImmuneError(code, reply.error.title || 'Command refused', reply.error.detail || 'The command was refused.', reply.error.extra ?? {});
      }
      this.observe(type, reply.duplicate ? 'duplicate' : 'ok');
      return reply;
    } catch (e) {
      this.observe(type, isImmuneError(e) ? e.code : 'error');
      throw e;
    }
  }

  private async request(request: AgentCommandRequest): Promise<AgentCommandReply> {
    let data: unknown;
    try {
      const msg = await this.nc.request(this.names.agentCommands, JSON.stringify(request), { timeout: this.timeoutMs });
      data = msg.json();
    } catch (e) {
      throw mapNatsError(e, this.timeoutMs);
    }
    if (!isReply(data)) {
      throw new ImmuneError('INTERNAL', 'Bad reply', 'The quarantine service answered something that is not a command reply.');
    }
    return data;
  }
}

// Codes a reply may carry: every contract code (a code the gateway does not know answers INTERNAL).
const codesOk: ReadonlySet<string> = new Set(Object.keys(ERROR_STATUS));

function isReply(v: unknown): v is AgentCommandReply {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  if (r['ok'] === true) return typeof r['version'] === 'number' && Array.isArray(r['sequences']);
  if (r['ok'] === false) return typeof r['error'] === 'object' && r['error'] !== null;
  return false;
}

/** NATS request failures as stable errors. */
export function mapNatsError(e: unknown, timeoutMs: number): ImmuneError {
  const cause = (e as { cause?: unknown })?.cause;
  const noResponders =
    e instanceof natsErrors.NoRespondersError ||
    cause instanceof natsErrors.NoRespondersError ||
    (e instanceof natsErrors.RequestError && e.isNoResponders());
  if (noResponders) {
    return new ImmuneError('SERVICE.UNAVAILABLE', 'Service unavailable', 'The quarantine service is not running; try again shortly.');
  }
  if (e instanceof natsErrors.TimeoutError || cause instanceof natsErrors.TimeoutError) {
    return new ImmuneError('SERVICE.TIMEOUT', 'Service timeout', `The quarantine service did not answer within ${timeoutMs} ms.`);
  }
  if (
    e instanceof natsErrors.ClosedConnectionError ||
    e instanceof natsErrors.DrainingConnectionError ||
    e instanceof natsErrors.ConnectionError
  ) {
    return new ImmuneError('SERVICE.UNAVAILABLE', 'Service unavailable', 'The gateway has no connection to NATS right now.');
  }
  const failure = new ImmuneError('INTERNAL', 'Internal error', 'Sending the command failed.');
  (failure as { cause?: unknown }).cause = e;
  return failure;
}
