import { ImmuneError, type AgentStatus, type EscalateAgent } from '@immune/contracts';

export type ContainmentLevel = 'restricted' | 'suspended' | 'terminated';

/** The containment ladder of one agent (DESIGN: restricted → suspended → terminated). */
export const CONTAINMENT_LADDER: readonly ContainmentLevel[] = ['restricted', 'suspended', 'terminated'];

export interface ContainmentStep {
  from: 'restricted' | 'suspended';
  to: 'suspended' | 'terminated';
  reversible: boolean;
  /** Needs an admin, or a policy that allows it (`autoTerminate`). */
  needsAdmin: boolean;
  /** The command the quarantine service decides it with (`libs/domain/quarantine` EscalateAgent). */
  command: EscalateAgent;
}

/**
 * The next containment step of an agent in `status`, as the agent decider takes it: restricted → suspended for
 * an operator; suspended → terminated only for an admin or a policy (`autoTerminate`); nothing beyond
 * terminated, and an agent that is not quarantined has no containment to escalate.
 */
export function nextContainmentStep(status: AgentStatus, reason: string, who: { admin: boolean; autoTerminate?: boolean }): ContainmentStep {
  const mayTerminate = who.admin || who.autoTerminate === true;
  switch (status) {
    case 'restricted':
      return { from: 'restricted', to: 'suspended', reversible: true, needsAdmin: false, command: { type: 'EscalateAgent', reason, mayTerminate } };
    case 'suspended':
      if (!mayTerminate) {
        throw new ImmuneError('QUARANTINE.TERMINATE_REQUIRES_ADMIN', 'Admin required', 'suspended → terminated needs an admin or a policy that allows it.');
      }
      return { from: 'suspended', to: 'terminated', reversible: false, needsAdmin: true, command: { type: 'EscalateAgent', reason, mayTerminate } };
    case 'terminated':
      throw new ImmuneError('AGENT.TERMINATED', 'Agent terminated', 'terminated is final: there is no step beyond it.');
    case 'active':
      throw new ImmuneError('QUARANTINE.NOT_ACTIVE', 'Not quarantined', 'An active agent has no containment to escalate; quarantine it first.');
    default: {
      const never: never = status;
      return never;
    }
  }
}
