export { DEFAULT_DETECTION_CONFIG, DESIGN_LITERAL_DETECTION_CONFIG, checkDetectionConfig, mergeDetectionConfig, resolveDetectionConfig } from './detection.config';
export type { DetectionConfig, DetectionConfigCheck, DetectionConfigKey, DetectionSettings } from './detection.config';
export { parseDetectionSettings } from './detection.settings';
export type { SettingsCheck } from './detection.settings';
export { ANOMALY_TYPES, ANOMALY_TYPE_OF, CONTINUOUS_METRICS, METRICS, RATE_METRICS } from './detection.metrics';
export type { Anomaly, AnomalyType, ContinuousMetric, DetectionSample, Metric, MetricDeviations, RateMetric } from './detection.metrics';
export {
  BASELINE_SNAPSHOT_VERSION,
  adoptPromptHash,
  createAgentBaseline,
  describeBaseline,
  isWarm,
  resetWindow,
  restoreBaseline,
  snapshotBaseline,
} from './detection.baseline';
export type { AgentBaseline, BaselineSnapshot, BaselineSummary, MetricSummary, RateSummary } from './detection.baseline';
export { SIGMA_CAP, observe } from './detection.observe';
export type { Infection, Observation, ObserveOptions } from './detection.observe';
export { DIAGNOSIS_CONFIDENCE, HYPOTHESES, addExternalCause, diagnose, requiresApproval, severityFor } from './detection.diagnose';
export type { Hypothesis } from './detection.diagnose';
export { applyFleetCorrelation, correlateFleet, externalCauseConfidence, threatConfidence } from './detection.fleet';
export type { FleetAnomaly, FleetCorrelation, FleetInput, FleetSignal } from './detection.fleet';
