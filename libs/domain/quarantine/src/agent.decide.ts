import { ImmuneError, QUARANTINE_LEVELS, REASON_CODES, SEVERITIES } from '@immune/contracts';
import type {
  AddQuarantineNote,
  AgentCommand,
  AgentEvent,
  CommandMeta,
  EscalateAgent,
  HealMode,
  QuarantineAgent,
  QuarantineLevel,
  ReasonCode,
  RegisterAgent,
  ReleaseAgent,
  Severity,
  TerminateAgent,
} from '@immune/contracts';
import { agentErrors } from './agent.errors';
import { releasedRestrictions, restrictionsFor } from './agent.restrictions';
import type { ActiveQuarantine, AgentState } from './agent.state';
import { addSeconds, elapsedSeconds, parseIsoTime } from './agent.time';
import {
  diagnosisList,
  oneOf,
  optionalDeviation,
  optionalRecord,
  optionalString,
  optionalTtlSeconds,
  requireText,
  stringList,
} from './agent.validation';

export const HEAL_MODES: readonly HealMode[] = ['automatic', 'manual'];

/** What a QuarantineAgent command gets for what it leaves out (`source` defaults to the command's actor). */
export const QUARANTINE_DEFAULTS: Readonly<{
  reasonCode: ReasonCode;
  severity: Severity;
  level: QuarantineLevel;
  healMode: HealMode;
}> = Object.freeze({ reasonCode: 'manual', severity: 'medium', level: 'suspended', healMode: 'manual' });

type Cmd<T> = T & CommandMeta;

/**
 * Decides what a command does to an agent: the events to append (possibly none), or an ImmuneError.
 * Checks run in this order: command metadata, agent exists, agent not terminated, command fields,
 * then the agent's quarantine state — so a malformed command is refused the same way whatever the state.
 */
export function decide(command: AgentCommand, state: AgentState): AgentEvent[] {
  const nowMs = checkMeta(command, state);
  switch (command.type) {
    case 'RegisterAgent':
      return registerAgent(command, state);
    case 'QuarantineAgent':
      requireLive(state);
      return quarantineAgent(command, state, nowMs);
    case 'ReleaseAgent':
      requireLive(state);
      return releaseAgent(command, state, nowMs);
    case 'EscalateAgent':
      requireLive(state);
      return escalateAgent(command, state, nowMs);
    case 'TerminateAgent':
      requireLive(state);
      return terminateAgent(command, state, nowMs);
    case 'AddQuarantineNote':
      requireLive(state);
      return addQuarantineNote(command, state);
    default: {
      const unknownCommand: never = command;
      throw agentErrors.invalid('type', `unknown agent command ${JSON.stringify((unknownCommand as { type?: unknown }).type)}`);
    }
  }
}

function checkMeta(command: CommandMeta, state: AgentState): number {
  if (command.agentId !== state.agentId) {
    throw agentErrors.invalid('agentId', `command is for "${command.agentId}" but the state is of "${state.agentId}"`);
  }
  return parseIsoTime(command.now, 'now');
}

function requireLive(state: AgentState): void {
  if (!state.registered) throw agentErrors.notFound(state.agentId);
  if (state.status === 'terminated') throw agentErrors.terminated(state.agentId);
}

/**
 * Registers an unknown agent. Registering a known (or terminated) agent changes nothing and is not an error,
 * even when model, agentType or mcpServers differ: changes of registration info are not tracked yet.
 */
function registerAgent(command: Cmd<RegisterAgent>, state: AgentState): AgentEvent[] {
  if (state.registered || state.status === 'terminated') return [];
  return [
    {
      type: 'AgentRegistered',
      data: {
        model: optionalString(command.model, 'model'),
        agentType: optionalString(command.agentType, 'agentType'),
        mcpServers: stringList(command.mcpServers, 'mcpServers'),
      },
    },
  ];
}

function quarantineAgent(command: Cmd<QuarantineAgent>, state: AgentState, nowMs: number): AgentEvent[] {
  const quarantineId = requireText(command.quarantineId, 'quarantineId');
  const reason = requireText(command.reason, 'reason');
  const reasonCode = oneOf(command.reasonCode, REASON_CODES, QUARANTINE_DEFAULTS.reasonCode, 'reasonCode');
  const severity = oneOf(command.severity, SEVERITIES, QUARANTINE_DEFAULTS.severity, 'severity');
  const level = oneOf(command.level, QUARANTINE_LEVELS, QUARANTINE_DEFAULTS.level, 'level');
  const healMode = oneOf(command.healMode, HEAL_MODES, QUARANTINE_DEFAULTS.healMode, 'healMode');
  const source = requireText(command.source ?? command.actor, command.source == null ? 'actor' : 'source');
  const ttlSeconds = optionalTtlSeconds(command.ttlSeconds, 'ttlSeconds');
  const expiresAt = ttlSeconds === null ? null : addSeconds(nowMs, ttlSeconds, 'ttlSeconds');
  const diagnoses = diagnosisList(command.diagnoses, 'diagnoses');
  const deviation = optionalDeviation(command.deviation, 'deviation');
  const forensic = optionalRecord(command.forensic, 'forensic');

  if (state.quarantine !== null || state.status === 'restricted' || state.status === 'suspended') {
    throw agentErrors.alreadyQuarantined(state.agentId, state.status, state.quarantine?.quarantineId ?? null);
  }
  return [
    {
      type: 'AgentQuarantined',
      data: {
        quarantineId,
        level,
        reasonCode,
        reason,
        severity,
        source,
        expiresAt,
        restrictions: restrictionsFor(level),
        healMode,
        diagnoses,
        deviation,
        forensic,
      },
    },
  ];
}

function releaseAgent(command: Cmd<ReleaseAgent>, state: AgentState, nowMs: number): AgentEvent[] {
  const resolution = requireText(command.resolution, 'resolution');
  const q = requireQuarantine(state, 'release it');
  return [
    {
      type: 'AgentReleased',
      data: {
        quarantineId: q.quarantineId,
        resolution,
        durationSeconds: elapsedSeconds(q.quarantinedAt, nowMs),
        restrictions: releasedRestrictions(),
      },
    },
  ];
}

/** One step up the containment ladder: restricted → suspended → terminated (the last step needs an admin). */
function escalateAgent(command: Cmd<EscalateAgent>, state: AgentState, nowMs: number): AgentEvent[] {
  const reason = requireText(command.reason, 'reason');
  const q = requireQuarantine(state, 'escalate it');
  switch (q.level) {
    case 'restricted':
      return [
        {
          type: 'QuarantineEscalated',
          data: {
            quarantineId: q.quarantineId,
            fromLevel: 'restricted',
            toLevel: 'suspended',
            reason,
            restrictions: restrictionsFor('suspended'),
          },
        },
      ];
    case 'suspended':
      // Anything but a literal `true` (e.g. a missing flag in a hand-built command) is refused: fail closed.
      if (command.mayTerminate !== true) throw agentErrors.terminateRequiresAdmin(state.agentId);
      return [
        {
          type: 'QuarantineEscalated',
          data: {
            quarantineId: q.quarantineId,
            fromLevel: 'suspended',
            toLevel: 'terminated',
            reason,
            restrictions: restrictionsFor('terminated'),
          },
        },
        {
          type: 'AgentTerminated',
          data: {
            quarantineId: q.quarantineId,
            resolution: reason,
            durationSeconds: elapsedSeconds(q.quarantinedAt, nowMs),
            restrictions: restrictionsFor('terminated'),
          },
        },
      ];
    default: {
      const unknownLevel: never = q.level;
      throw new ImmuneError('INTERNAL', 'Internal error', `unknown quarantine level ${String(unknownLevel)}`);
    }
  }
}

function terminateAgent(command: Cmd<TerminateAgent>, state: AgentState, nowMs: number): AgentEvent[] {
  const resolution = requireText(command.resolution, 'resolution');
  const q = state.quarantine;
  return [
    {
      type: 'AgentTerminated',
      data: {
        quarantineId: q === null ? null : q.quarantineId,
        resolution,
        durationSeconds: q === null ? null : elapsedSeconds(q.quarantinedAt, nowMs),
        restrictions: restrictionsFor('terminated'),
      },
    },
  ];
}

function addQuarantineNote(command: Cmd<AddQuarantineNote>, state: AgentState): AgentEvent[] {
  const noteId = requireText(command.noteId, 'noteId');
  const note = requireText(command.note, 'note');
  const q = requireQuarantine(state, 'add a note');
  return [{ type: 'QuarantineNoteAdded', data: { quarantineId: q.quarantineId, noteId, note } }];
}

function requireQuarantine(state: AgentState, action: string): ActiveQuarantine {
  if (state.quarantine === null) throw agentErrors.notQuarantined(state.agentId, action);
  return state.quarantine;
}
