import type { NatsConnection } from '@nats-io/transport-node';
import {
  ERROR_STATUS,
  ImmuneError,
  type ErrorCode,
  type EscalationCommandBody,
  type EscalationCommandReply,
  type EscalationCommandRequest,
  type Names,
} from '@immune/contracts';
import { escalationCommandId } from './escalation-command-id';
import { mapNatsError, type CommandObserver } from '../commands/command.client';
import type { ProjectionProgress } from '../commands/projection-progress';
import type { Caller } from '../keys/api-key.service';

export type EscalationAccepted = Extract<EscalationCommandReply, { ok: true }>;

const codesOk: ReadonlySet<string> = new Set(Object.keys(ERROR_STATUS));

/**
 * One posture write, end to end (framework-free): send the command to the escalation service on
 * `{ns}.commands.escalation`, map a refusal to its ImmuneError, and wait until the read models include its
 * events (read-your-writes).
 */
export class EscalationCommandHandler {
  constructor(
    private readonly nc: NatsConnection,
    private readonly names: Names,
    private readonly progress: ProjectionProgress,
    private readonly timeoutMs = 5_000,
    private readonly observe: CommandObserver = () => undefined,
  ) {}

  async send(caller: Caller, command: EscalationCommandBody, idempotencyKey?: string): Promise<EscalationAccepted> {
    const commandId = escalationCommandId(caller.name, idempotencyKey, command);
    const request: EscalationCommandRequest = {
      commandId,
      actor: caller.name,
      actorRole: caller.role === 'admin' || caller.role === 'operator' ? caller.role : 'viewer',
      correlationId: commandId,
      command,
    };
    let data: unknown;
    try {
      const msg = await this.nc.request(this.names.escalationCommands, JSON.stringify(request), { timeout: this.timeoutMs });
      data = msg.json();
    } catch (e) {
      const mapped = mapNatsError(e, this.timeoutMs);
      this.observe(command.type, mapped.code);
      throw new ImmuneError(mapped.code, mapped.title, mapped.message.replace('quarantine service', 'escalation service'));
    }
    const reply = data as EscalationCommandReply;
    if (typeof reply !== 'object' || reply === null || (reply.ok !== true && reply.ok !== false)) {
      throw new ImmuneError('INTERNAL', 'Bad reply', 'The escalation service answered something that is not a command reply.');
    }
    if (!reply.ok) {
      const raw = reply.error.code as string;
      const code: ErrorCode = codesOk.has(raw) ? (raw as ErrorCode) : 'INTERNAL';
      this.observe(command.type, code);
      throw new ImmuneError(code, reply.error.title || 'Command refused', reply.error.detail || 'The command was refused.', reply.error.extra ?? {});
    }
    this.observe(command.type, reply.duplicate ? 'duplicate' : 'ok');
    const last = Math.max(0, ...reply.sequences);
    if (last > 0) await this.progress.waitFor(last, this.timeoutMs);
    return reply;
  }
}
