import { ImmuneError } from '@immune/contracts';
import type { AgentStatus, ApprovalState } from '@immune/contracts';

/** The refusals of the agent aggregate; codes are stable (CONTRACT.md), titles are for people. */
export const agentErrors = {
  notFound: (agentId: string): ImmuneError =>
    new ImmuneError('AGENT.NOT_FOUND', 'Agent not found', `agent "${agentId}" is not registered`, { agentId }),

  terminated: (agentId: string): ImmuneError =>
    new ImmuneError('AGENT.TERMINATED', 'Agent terminated', `agent "${agentId}" is terminated; termination is final`, {
      agentId,
    }),

  alreadyQuarantined: (agentId: string, status: AgentStatus, quarantineId: string | null): ImmuneError =>
    new ImmuneError(
      'QUARANTINE.ALREADY_ACTIVE',
      'Quarantine already active',
      `agent "${agentId}" is already quarantined (${status}); release it before quarantining it again`,
      { agentId, status, quarantineId },
    ),

  notQuarantined: (agentId: string, action: string): ImmuneError =>
    new ImmuneError('QUARANTINE.NOT_ACTIVE', 'Quarantine not active', `agent "${agentId}" is not quarantined: cannot ${action}`, {
      agentId,
    }),

  approvalNotPending: (agentId: string, quarantineId: string, approval: ApprovalState): ImmuneError =>
    new ImmuneError(
      'APPROVAL.NOT_PENDING',
      'No approval pending',
      `the quarantine of agent "${agentId}" has no pending approval (approval is ${approval}); heal-now starts healing anyway`,
      { agentId, quarantineId, approval },
    ),

  terminateRequiresAdmin: (agentId: string): ImmuneError =>
    new ImmuneError(
      'QUARANTINE.TERMINATE_REQUIRES_ADMIN',
      'Termination requires an admin',
      `escalating suspended agent "${agentId}" to terminated needs an admin or a policy that allows it`,
      { agentId },
    ),

  healingNotActive: (agentId: string, healingId: string, detail: string): ImmuneError =>
    new ImmuneError('HEALING.NOT_ACTIVE', 'Healing not active', `agent "${agentId}": healing ${healingId} ${detail}`, { agentId, healingId }),

  healingInProgress: (agentId: string, healingId: string): ImmuneError =>
    new ImmuneError('HEALING.IN_PROGRESS', 'Healing in progress', `agent "${agentId}" is being healed (${healingId}); wait for its outcome`, {
      agentId,
      healingId,
    }),

  healingNotAllowed: (agentId: string, detail: string): ImmuneError =>
    new ImmuneError('HEALING.NOT_ALLOWED', 'Healing not allowed', `agent "${agentId}": ${detail}`, { agentId }),

  invalid: (field: string, detail: string): ImmuneError =>
    new ImmuneError('VALIDATION.FAILED', 'Validation failed', `${field}: ${detail}`, { field }),
};
