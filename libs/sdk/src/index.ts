export { ImmuneAgent, type ImmuneAgentOptions, type StatusChange, type ReporterStats, type VitalReport } from './immune-agent';
export { CommandDispatcher, type CommandHandler, type HandlerResult } from './command-dispatcher';
export { VitalsBuffer } from './vitals-buffer';
export {
  ImmuneAgentError,
  AgentSuspendedError,
  AgentTerminatedError,
  AgentRestrictedError,
  AgentClosedError,
  isAgentSuspendedError,
  isAgentTerminatedError,
  isAgentRestrictedError,
  type Capability,
  type ImmuneAgentErrorCode,
} from './errors';
export {
  AGENT_STATUSES,
  HEALING_ACTIONS,
  NO_RESTRICTIONS,
  DEFAULT_NAMESPACE,
  isHealingAction,
  parseStatusRecord,
  sdkNames,
  type AgentCommand,
  type AgentCommandReply,
  type AgentStatus,
  type AgentStatusRecord,
  type HealingAction,
  type Restrictions,
  type SdkNames,
  type VitalInput,
} from './wire';
