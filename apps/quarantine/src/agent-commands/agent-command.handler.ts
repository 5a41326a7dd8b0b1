import { decide } from '@immune/domain-quarantine';
import {
  AGENT_ID_PATTERN,
  ImmuneError,
  isImmuneError,
  type AgentCommand,
  type AgentCommandBody,
  type AgentCommandReply,
  type AgentCommandRequest,
} from '@immune/contracts';
import { isConcurrencyError, type EventStore } from '@immune/platform-jetstream';
import type { AgentEntry, AgentRepository } from './agent.repository';

const COMMAND_TYPES: ReadonlySet<AgentCommandBody['type']> = new Set([
  'RegisterAgent',
  'QuarantineAgent',
  'ReleaseAgent',
  'EscalateAgent',
  'TerminateAgent',
  'AddQuarantineNote',
  'ReportInfection',
  'ApproveHealing',
  'RejectHealing',
  'RequestHealing',
  'StartHealing',
  'BeginProbation',
  'PassProbation',
  'FailHealingAction',
  'ExhaustHealing',
]);

const MAX_ATTEMPTS = 5;

export interface CommandOutcomeListener {
  (type: string, outcome: 'ok' | 'duplicate' | 'refused' | 'conflict' | 'error', code?: string): void;
}

/**
 * Decides one agent command and appends its events. Commands on one agent are serialised inside this instance;
 * across instances the expected stream sequence of each append makes concurrent commands conflict, and the
 * loser reloads and decides again. A command id seen before answers with the first outcome (idempotent retry).
 */
export class AgentCommandHandler {
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: EventStore,
    private readonly repo: AgentRepository,
    private readonly clock: () => Date = () => new Date(),
    private readonly onOutcome: CommandOutcomeListener = () => undefined,
    /** The fleet posture's word on new agents (phoenix and above: no new agent registers). */
    private readonly registrationOpen: () => boolean = () => true,
  ) {}

  async handle(raw: unknown): Promise<AgentCommandReply> {
    let request: AgentCommandRequest;
    try {
      request = parseRequest(raw);
    } catch (e) {
      return refuse(e);
    }
    return this.serialised(request.agentId, () => this.decideAndAppend(request));
  }

  private async decideAndAppend(req: AgentCommandRequest): Promise<AgentCommandReply> {
    const type = req.command.type;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      try {
        const entry = await this.repo.load(req.agentId);
        const seen = entry.commands.get(req.commandId);
        if (seen) {
          this.onOutcome(type, 'duplicate');
          return { ok: true, agentId: req.agentId, duplicate: true, ...seen };
        }
        if (req.expectedVersion !== undefined && req.expectedVersion !== entry.version) {
          if (await this.stale(req.agentId, entry)) continue;
          throw versionMismatch(req.expectedVersion, entry.version);
        }
        if (type === 'RegisterAgent' && !entry.state.registered && !this.registrationOpen()) {
          throw new ImmuneError(
            'AGENT.REGISTRATION_CLOSED',
            'Registration closed',
            `Agent ${req.agentId} is not registered: the fleet posture admits no new agents until it is lowered.`,
          );
        }
        const now = this.clock().toISOString();
        const command = { ...req.command, commandId: req.commandId, agentId: req.agentId, actor: req.actor, now } as AgentCommand;
        let events;
        try {
          events = decide(command, entry.state);
        } catch (refusal) {
          if (isImmuneError(refusal) && (await this.stale(req.agentId, entry))) continue;
          throw refusal;
        }
        if (events.length === 0) {
          this.onOutcome(type, 'ok');
          return { ok: true, agentId: req.agentId, version: entry.version, sequences: [], eventTypes: [], duplicate: false };
        }
        const appended = await this.store.append({
          aggregate: 'agent',
          aggregateId: req.agentId,
          agentId: req.agentId,
          events,
          expectedVersion: entry.version,
          prevHash: entry.lastHash,
          actor: req.actor,
          correlationId: req.correlationId ?? req.commandId,
          causationId: req.commandId,
          now,
        });
        const next = this.repo.applyAppended(req.agentId, entry, appended.events);
        this.onOutcome(type, 'ok');
        return {
          ok: true,
          agentId: req.agentId,
          version: next.version,
          sequences: appended.events.map((e) => e.seq),
          eventTypes: appended.events.map((e) => e.envelope.type),
          duplicate: false,
        };
      } catch (e) {
        if (isConcurrencyError(e)) {
          this.repo.invalidate(req.agentId);
          // The caller's precondition was the version we held; the log has moved on, so it no longer holds.
          if (req.expectedVersion !== undefined) {
            const fresh = await this.repo.load(req.agentId);
            if (fresh.version !== req.expectedVersion && !fresh.commands.has(req.commandId)) {
              this.onOutcome(type, 'refused', 'AGENT.VERSION_MISMATCH');
              return refuse(versionMismatch(req.expectedVersion, fresh.version));
            }
          }
          this.onOutcome(type, 'conflict');
          continue;
        }
        if (isImmuneError(e)) {
          this.onOutcome(type, 'refused', e.code);
          return refuse(e);
        }
        this.repo.invalidate(req.agentId);
        this.onOutcome(type, 'error');
        throw e;
      }
    }
    return refuse(
      new ImmuneError('CONCURRENCY.CONFLICT', 'Concurrent modification', `Agent ${req.agentId} kept changing; try again.`),
    );
  }

  /** True (and the cache dropped) when the log holds newer events than the cached entry. */
  private async stale(agentId: string, entry: AgentEntry): Promise<boolean> {
    if (await this.repo.isCurrent(agentId, entry)) return false;
    this.repo.invalidate(agentId);
    return true;
  }

  private serialised<T>(agentId: string, work: () => Promise<T>): Promise<T> {
    const prior = this.queues.get(agentId) ?? Promise.resolve();
    const run = prior.then(work, work);
    const tail = run.catch(() => undefined);
    this.queues.set(agentId, tail);
    void tail.then(() => {
      if (this.queues.get(agentId) === tail) this.queues.delete(agentId);
    });
    return run;
  }
}

function versionMismatch(expected: number, actual: number): ImmuneError {
  return new ImmuneError(
    'AGENT.VERSION_MISMATCH',
    'Precondition failed',
    `The agent is at version ${actual}, not ${expected}: reload it and try again.`,
    { version: actual },
  );
}

function refuse(e: unknown): AgentCommandReply {
  if (isImmuneError(e)) return { ok: false, error: e.toBody() };
  throw e;
}

/** Validates the envelope of a command request; the decider validates the command's own fields. */
export function parseRequest(raw: unknown): AgentCommandRequest {
  const bad = (detail: string) => new ImmuneError('VALIDATION.FAILED', 'Invalid command', detail);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('the request must be a JSON object');
  const r = raw as Record<string, unknown>;
  if (typeof r['commandId'] !== 'string' || r['commandId'].length === 0 || r['commandId'].length > 200) {
    throw bad('commandId must be a non-empty string of at most 200 characters');
  }
  if (typeof r['agentId'] !== 'string' || !AGENT_ID_PATTERN.test(r['agentId'])) {
    throw bad(`agentId must match ${AGENT_ID_PATTERN.source}`);
  }
  if (typeof r['actor'] !== 'string' || r['actor'].length === 0) throw bad('actor must be a non-empty string');
  if (r['correlationId'] !== undefined && typeof r['correlationId'] !== 'string') throw bad('correlationId must be a string');
  if (r['expectedVersion'] !== undefined && (!Number.isInteger(r['expectedVersion']) || (r['expectedVersion'] as number) < 0)) {
    throw bad('expectedVersion must be a non-negative integer');
  }
  const command = r['command'];
  if (typeof command !== 'object' || command === null || Array.isArray(command)) throw bad('command must be an object');
  const type = (command as Record<string, unknown>)['type'];
  if (typeof type !== 'string' || !COMMAND_TYPES.has(type as AgentCommandBody['type'])) {
    throw bad(`command.type must be one of ${[...COMMAND_TYPES].join(', ')}`);
  }
  return raw as AgentCommandRequest;
}
