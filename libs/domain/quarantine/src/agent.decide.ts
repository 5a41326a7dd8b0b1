import { ImmuneError, QUARANTINE_LEVELS, REASON_CODES, SEVERITIES } from '@immune/contracts';
import type {
  AddQuarantineNote,
  AgentCommand,
  AgentEvent,
  AnomalyView,
  ApproveHealing,
  CommandMeta,
  EscalateAgent,
  HealMode,
  QuarantineAgent,
  QuarantineLevel,
  ReasonCode,
  RegisterAgent,
  RejectHealing,
  ReleaseAgent,
  ReportInfection,
  RequestHealing,
  Severity,
  TerminateAgent,
} from '@immune/contracts';
import { agentErrors } from './agent.errors';
import { beginProbation, exhaustHealing, failHealingAction, passProbation, startHealing } from './agent.healing';
import { releasedRestrictions, restrictionsFor } from './agent.restrictions';
import type { ActiveQuarantine, AgentState } from './agent.state';
import { addSeconds, elapsedSeconds, parseIsoTime } from './agent.time';
import {
  anomalyList,
  diagnosisList,
  oneOf,
  optionalDeviation,
  optionalRecord,
  optionalString,
  optionalText,
  optionalTtlSeconds,
  requireBoolean,
  requireDeviation,
  requireOneOf,
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
    case 'ReportInfection':
      // A detection may race a termination: on a terminated agent it is dropped, not refused.
      if (!state.registered) throw agentErrors.notFound(state.agentId);
      if (state.status === 'terminated') return [];
      return reportInfection(command, state);
    case 'ApproveHealing':
      requireLive(state);
      return decideApproval(command, state, 'HealingApproved');
    case 'RejectHealing':
      requireLive(state);
      return decideApproval(command, state, 'HealingRejected');
    case 'RequestHealing':
      requireLive(state);
      return requestHealing(command, state);
    case 'StartHealing':
      requireLive(state);
      return startHealing(command, state);
    case 'BeginProbation':
      requireLive(state);
      return beginProbation(command, state);
    case 'PassProbation':
      requireLive(state);
      return passProbation(command, state, nowMs);
    case 'FailHealingAction':
      requireLive(state);
      return failHealingAction(command, state);
    case 'ExhaustHealing':
      requireLive(state);
      return exhaustHealing(command, state);
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

/**
 * The sentinel's finding. Always recorded as AnomalyDetected; it quarantines (suspended, reason code `anomaly`,
 * healed automatically) only when enforcement is on, the anomaly is not part of a fleet-wide event, and the
 * agent is not quarantined already — a second detection while quarantined is recorded with `enforced: false`.
 * When the detection needs an operator's approval before healing (≥ 5σ, or a posture that says so), an
 * ApprovalRequested follows the quarantine.
 */
function reportInfection(command: Cmd<ReportInfection>, state: AgentState): AgentEvent[] {
  const detectionId = requireText(command.detectionId, 'detectionId');
  const quarantineId = requireText(command.quarantineId, 'quarantineId');
  const anomalies = anomalyList(command.anomalies, 'anomalies');
  const deviation = requireDeviation(command.deviation, 'deviation');
  const severity = requireOneOf(command.severity, SEVERITIES, 'severity');
  const diagnoses = diagnosisList(command.diagnoses, 'diagnoses');
  const requiresApproval = requireBoolean(command.requiresApproval, 'requiresApproval');
  const enforce = requireBoolean(command.enforce, 'enforce');
  const fleetWide = requireBoolean(command.fleetWide, 'fleetWide');
  const forensic = optionalRecord(command.forensic, 'forensic');
  const source = requireText(command.actor, 'actor');

  const quarantined = state.quarantine !== null || state.status === 'restricted' || state.status === 'suspended';
  const enforced = enforce && !fleetWide && !quarantined;
  const events: AgentEvent[] = [
    {
      type: 'AnomalyDetected',
      data: { detectionId, anomalies, deviation, severity, diagnoses, enforced, fleetWide, quarantineId: enforced ? quarantineId : null },
    },
  ];
  if (!enforced) return events;
  const reason = infectionReason(anomalies);
  events.push({
    type: 'AgentQuarantined',
    data: {
      quarantineId,
      level: 'suspended',
      reasonCode: 'anomaly',
      reason,
      severity,
      source,
      expiresAt: null,
      restrictions: restrictionsFor('suspended'),
      healMode: 'automatic',
      diagnoses: diagnoses.map((d) => ({ ...d })),
      deviation,
      forensic,
    },
  });
  if (requiresApproval) events.push({ type: 'ApprovalRequested', data: { quarantineId, deviation, reason } });
  return events;
}

/** A sentence for operators from the strongest anomaly (the first one on a tie), e.g. "latency_spike at 7.2σ". */
export function infectionReason(anomalies: readonly AnomalyView[]): string {
  const top = anomalies.reduce<AnomalyView | undefined>((best, a) => (best === undefined || a.sigma > best.sigma ? a : best), undefined);
  if (top === undefined) return 'anomaly detected';
  const more = anomalies.length - 1;
  const tail = more === 0 ? '' : ` (and ${more} more ${more === 1 ? 'anomaly' : 'anomalies'})`;
  return `${top.type} at ${top.sigma.toFixed(1)}σ${tail}`;
}

/** Approve or reject healing: only while the open quarantine waits for an operator (`approval: pending`). */
function decideApproval(
  command: Cmd<ApproveHealing> | Cmd<RejectHealing>,
  state: AgentState,
  type: 'HealingApproved' | 'HealingRejected',
): AgentEvent[] {
  const reason = optionalText(command.reason, 'reason');
  const q = requireQuarantine(state, type === 'HealingApproved' ? 'approve healing' : 'reject healing');
  if (q.approval !== 'pending') throw agentErrors.approvalNotPending(state.agentId, q.quarantineId, q.approval);
  return [{ type, data: { quarantineId: q.quarantineId, reason } }];
}

/**
 * Heal now: the operator's decision that healing of the open quarantine starts, whatever its approval (a manual
 * quarantine is healed only this way; a rejected one waits for it). Evolve settles a pending or rejected
 * approval as approved. Asking again records another request: the healer decides what a repeat means.
 */
function requestHealing(command: Cmd<RequestHealing>, state: AgentState): AgentEvent[] {
  const reason = optionalText(command.reason, 'reason');
  const q = requireQuarantine(state, 'heal it');
  return [{ type: 'HealingRequested', data: { quarantineId: q.quarantineId, reason } }];
}

function requireQuarantine(state: AgentState, action: string): ActiveQuarantine {
  if (state.quarantine === null) throw agentErrors.notQuarantined(state.agentId, action);
  return state.quarantine;
}
