import {
  ImmuneError,
  isImmuneError,
  type EscalationCommandBody,
  type EscalationCommandReply,
  type EscalationCommandRequest,
} from '@immune/contracts';
import { decidePosture, type PostureCommand } from '@immune/domain-escalation';
import { isConcurrencyError, type EventStore } from '@immune/platform-jetstream';
import type { PostureBook } from '../posture/posture-book';

const COMMAND_TYPES: ReadonlySet<string> = new Set<EscalationCommandBody['type']>(['RequestEscalation', 'ApproveEscalation', 'DeescalateEscalation', 'ChangePostureBaseline']);
const ROLES: ReadonlySet<string> = new Set(['viewer', 'operator', 'admin', 'service']);
const MAX_ATTEMPTS = 5;

export type OutcomeListener = (type: string, outcome: 'ok' | 'duplicate' | 'refused' | 'conflict' | 'error', code?: string) => void;

/**
 * Decides posture commands one at a time (the posture is one state: every command is serialised in this
 * instance) and appends their events with the aggregate's expected version. The state is what the log
 * follower applied: after an append the handler waits until the follower has applied it, so the next command
 * decides on it. A command id seen before answers with the first outcome.
 */
export class EscalationCommandHandler {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: EventStore,
    private readonly book: PostureBook,
    private readonly applied: (seq: number) => Promise<boolean>,
    private readonly clock: () => Date = () => new Date(),
    private readonly onOutcome: OutcomeListener = () => undefined,
  ) {}

  handle(raw: unknown): Promise<EscalationCommandReply> {
    let request: EscalationCommandRequest;
    try {
      request = parseRequest(raw);
    } catch (e) {
      return Promise.resolve(refuse(e));
    }
    const run = this.queue.then(() => this.decideAndAppend(request));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private reply(aggregateId: string | null, sequences: number[], eventTypes: string[], duplicate: boolean): EscalationCommandReply {
    const p = this.book.posture();
    return {
      ok: true,
      escalation: aggregateId === null ? null : this.book.escalationView(aggregateId),
      current: p.current,
      baseline: p.baseline,
      sequences,
      eventTypes,
      duplicate,
    };
  }

  private async decideAndAppend(req: EscalationCommandRequest): Promise<EscalationCommandReply> {
    const type = req.command.type;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      try {
        const seen = this.book.commands.get(req.commandId);
        if (seen) {
          this.onOutcome(type, 'duplicate');
          return this.reply(seen.aggregateId === 'fleet' ? null : seen.aggregateId, seen.sequences, seen.eventTypes, true);
        }
        const now = this.clock().toISOString();
        const command = { ...req.command, commandId: req.commandId, actor: req.actor, actorRole: req.actorRole, now } as PostureCommand;
        const decision = decidePosture(command, this.book.state);
        const replyId = decision.aggregate === 'escalation' ? decision.aggregateId : null;
        if (decision.events.length === 0) {
          this.onOutcome(type, 'ok');
          return this.reply(replyId, [], [], false);
        }
        const head = this.book.head(decision.aggregate, decision.aggregateId);
        const appended = await this.store.append({
          aggregate: decision.aggregate,
          aggregateId: decision.aggregateId,
          events: decision.events,
          expectedVersion: head.version,
          prevHash: head.hash,
          actor: req.actor,
          correlationId: req.correlationId ?? req.commandId,
          causationId: req.commandId,
          now,
        });
        const last = appended.events.at(-1)?.seq ?? 0;
        if (!(await this.applied(last))) throw new Error(`the log follower did not reach sequence ${last} in time`);
        this.onOutcome(type, appended.duplicate ? 'duplicate' : 'ok');
        return this.reply(replyId, appended.events.map((e) => e.seq), appended.events.map((e) => e.envelope.type), appended.duplicate);
      } catch (e) {
        if (isConcurrencyError(e)) {
          // Another writer moved the aggregate: wait until the follower applied what is stored, then decide again.
          this.onOutcome(type, 'conflict');
          await new Promise((r) => setTimeout(r, 50 * attempt));
          continue;
        }
        if (isImmuneError(e)) {
          this.onOutcome(type, 'refused', e.code);
          return refuse(e);
        }
        this.onOutcome(type, 'error');
        throw e;
      }
    }
    return refuse(new ImmuneError('CONCURRENCY.CONFLICT', 'Concurrent modification', 'The posture kept changing; try again.'));
  }
}

function refuse(e: unknown): EscalationCommandReply {
  if (isImmuneError(e)) return { ok: false, error: e.toBody() };
  throw e;
}

/** Validates the envelope of a request; the decider validates the command's fields. */
export function parseRequest(raw: unknown): EscalationCommandRequest {
  const bad = (detail: string) => new ImmuneError('VALIDATION.FAILED', 'Invalid command', detail);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('the request must be a JSON object');
  const r = raw as Record<string, unknown>;
  if (typeof r['commandId'] !== 'string' || r['commandId'].length === 0 || r['commandId'].length > 200) throw bad('commandId must be a non-empty string of at most 200 characters');
  if (typeof r['actor'] !== 'string' || r['actor'].length === 0) throw bad('actor must be a non-empty string');
  if (typeof r['actorRole'] !== 'string' || !ROLES.has(r['actorRole'])) throw bad(`actorRole must be one of ${[...ROLES].join(', ')}`);
  if (r['correlationId'] !== undefined && typeof r['correlationId'] !== 'string') throw bad('correlationId must be a string');
  const command = r['command'];
  if (typeof command !== 'object' || command === null || Array.isArray(command)) throw bad('command must be an object');
  const type = (command as Record<string, unknown>)['type'];
  if (typeof type !== 'string' || !COMMAND_TYPES.has(type)) throw bad(`command.type must be one of ${[...COMMAND_TYPES].join(', ')}`);
  return raw as EscalationCommandRequest;
}
