/**
 * Detection configuration (CONTRACT.md, "Configuration"). The gateway is its only writer: `PUT
 * /config/detection` stores the settings under key `detection` of the config bucket (`{ns}_config`); the
 * sentinels watch that key and apply each new revision to the next vital of every agent. A missing key means
 * the design's defaults. The bucket keeps the last revisions (history), with who changed them and why.
 */
export const DETECTION_CONFIG_KEY = 'detection';

/** Every threshold of one resolved detection config (numbers and booleans, keyed by setting name). */
export type DetectionThresholds = Record<string, number | boolean>;

/** `GET /config` → the configuration in force. */
export interface ConfigView {
  detection: DetectionConfigView;
}

export interface DetectionConfigView {
  /** The design's defaults. */
  defaults: DetectionThresholds;
  /** Fleet-wide overrides of the defaults (only the settings that differ). */
  fleet: Partial<DetectionThresholds>;
  /** Overrides per agentType, applied over the fleet's. */
  agentTypes: Record<string, Partial<DetectionThresholds>>;
  /** What applies: to agents without a configured type (`fleet`) and to each configured type. */
  effective: { fleet: DetectionThresholds; agentTypes: Record<string, DetectionThresholds> };
  /** KV revision of the stored settings (0 = never set: defaults); also the `ETag`. */
  revision: number;
  updatedAt: string | null;
  updatedBy: string | null;
  reason: string | null;
}

/** The document stored under `DETECTION_CONFIG_KEY`. */
export interface StoredDetectionSettings {
  fleet?: Partial<DetectionThresholds>;
  agentTypes?: Record<string, Partial<DetectionThresholds>>;
  updatedAt: string;
  updatedBy: string;
  reason?: string;
}
