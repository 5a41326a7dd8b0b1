import type { AgentStatus, Restrictions } from './wire';

export type ImmuneAgentErrorCode = 'AGENT.SUSPENDED' | 'AGENT.TERMINATED' | 'AGENT.RESTRICTED' | 'AGENT.CLOSED';

/** Base class of every error the SDK throws on purpose; `code` is stable, the message is for people. */
export class ImmuneAgentError extends Error {
  constructor(
    readonly code: ImmuneAgentErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Thrown by `guard()`/`run()` while the control plane has the agent suspended (quarantined): no work now. */
export class AgentSuspendedError extends ImmuneAgentError {
  constructor(readonly agentId: string) {
    super('AGENT.SUSPENDED', `agent ${agentId} is suspended by the control plane: no work until it is released`);
  }
}

/** Thrown by `guard()`/`run()` once the agent is terminated: final, it will never work again. */
export class AgentTerminatedError extends ImmuneAgentError {
  constructor(readonly agentId: string) {
    super('AGENT.TERMINATED', `agent ${agentId} is terminated by the control plane`);
  }
}

export type Capability = 'tools' | 'autonomy' | 'replication' | 'network';

/** Thrown by `assertAllowed(capability)` while that capability is cut (`restricted`). */
export class AgentRestrictedError extends ImmuneAgentError {
  constructor(
    readonly agentId: string,
    readonly capability: Capability,
  ) {
    super('AGENT.RESTRICTED', `agent ${agentId} is restricted: ${capability} not allowed`);
  }
}

/** Thrown by `guard()`/`run()`/`report()` after `close()`. */
export class AgentClosedError extends ImmuneAgentError {
  constructor(readonly agentId: string) {
    super('AGENT.CLOSED', `agent ${agentId}: the SDK was closed`);
  }
}

export function isAgentSuspendedError(e: unknown): e is AgentSuspendedError {
  return e instanceof ImmuneAgentError && e.code === 'AGENT.SUSPENDED';
}

export function isAgentTerminatedError(e: unknown): e is AgentTerminatedError {
  return e instanceof ImmuneAgentError && e.code === 'AGENT.TERMINATED';
}

export function isAgentRestrictedError(e: unknown): e is AgentRestrictedError {
  return e instanceof ImmuneAgentError && e.code === 'AGENT.RESTRICTED';
}

/** The error `guard()` throws for a status, or null when work may go on (`active`, `restricted`). */
export function blockingError(agentId: string, status: AgentStatus): ImmuneAgentError | null {
  switch (status) {
    case 'active':
    case 'restricted':
      return null;
    case 'suspended':
      return new AgentSuspendedError(agentId);
    case 'terminated':
      return new AgentTerminatedError(agentId);
    default: {
      const never: never = status;
      throw new Error(`unknown status ${String(never)}`);
    }
  }
}

/** Whether `restrictions` cut `capability`. */
export function isCut(restrictions: Restrictions, capability: Capability): boolean {
  switch (capability) {
    case 'tools':
      return restrictions.toolsRevoked;
    case 'autonomy':
      return restrictions.autonomyReduced;
    case 'replication':
      return restrictions.replicationBlocked;
    case 'network':
      return restrictions.networkRestricted;
    default: {
      const never: never = capability;
      throw new Error(`unknown capability ${String(never)}`);
    }
  }
}
