export { POLICY, PHOENIX_QUORUM, AUTOMATIC_GUARDIAN_CONFIDENCE, stepPolicy, nextProfile, type StepPolicy } from './escalation.policy';
export {
  initialPosture,
  evolvePosture,
  currentProfile,
  topEscalation,
  activeEscalations,
  pendingEscalations,
  type FleetPostureState,
  type EscalationRecord,
  type PostureDomainEvent,
  type TimedPostureEvent,
} from './escalation.state';
export { decidePosture, type PostureCommand, type PostureCommandMeta, type PostureDecision } from './escalation.decide';
export { assessThreat, decideAutomatic, FLEET_WIDE_FRACTION, type ThreatSighting, type ThreatAssessment, type AutomaticAction } from './escalation.threat';
export { nextContainmentStep, CONTAINMENT_LADDER, type ContainmentLevel, type ContainmentStep } from './containment.ladder';
