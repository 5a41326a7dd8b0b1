import {
  checkDetectionConfig,
  resolveDetectionConfig,
  type DetectionConfig,
  type DetectionSettings,
} from '@immune/domain-detection';

/** The key of the detection settings in the config bucket. */
export const DETECTION_CONFIG_KEY = 'detection';

export type SettingsCheck = { ok: true; settings: DetectionSettings } | { ok: false; reason: string };

/** Validates `{ fleet?: partial config, agentTypes?: { [agentType]: partial config } }` as stored in the config bucket. */
export function parseDetectionSettings(value: unknown): SettingsCheck {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'detection settings must be a JSON object' };
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v)) {
    if (key !== 'fleet' && key !== 'agentTypes') return { ok: false, reason: `unknown field "${key}" (expected fleet, agentTypes)` };
  }
  const settings: DetectionSettings = {};
  if (v['fleet'] !== undefined && v['fleet'] !== null) {
    const fleet = checkDetectionConfig(v['fleet']);
    if (!fleet.ok) return { ok: false, reason: `fleet: ${fleet.reason}` };
    settings.fleet = fleet.config;
  }
  if (v['agentTypes'] !== undefined && v['agentTypes'] !== null) {
    const types = v['agentTypes'];
    if (typeof types !== 'object' || Array.isArray(types)) return { ok: false, reason: 'agentTypes must be an object keyed by agentType' };
    const out: Record<string, Partial<DetectionConfig>> = {};
    for (const [type, partial] of Object.entries(types as Record<string, unknown>)) {
      const checked = checkDetectionConfig(partial);
      if (!checked.ok) return { ok: false, reason: `agentTypes.${type}: ${checked.reason}` };
      out[type] = checked.config;
    }
    settings.agentTypes = out;
  }
  return { ok: true, settings };
}

const NO_TYPE = '\u0000';

/**
 * The detection settings in force, with each agentType's resolved config cached: agents re-resolve only when
 * `generation` changes (a new setting arrived), never per vital.
 */
export class DetectionSettingsCache {
  private settings: DetectionSettings = {};
  private readonly resolved = new Map<string, Readonly<DetectionConfig>>();
  generation = 0;

  set(settings: DetectionSettings): void {
    this.settings = settings;
    this.resolved.clear();
    this.generation++;
  }

  current(): DetectionSettings {
    return this.settings;
  }

  resolve(agentType: string | null): Readonly<DetectionConfig> {
    const key = agentType ?? NO_TYPE;
    let cfg = this.resolved.get(key);
    if (!cfg) {
      cfg = Object.freeze(resolveDetectionConfig(this.settings, agentType));
      this.resolved.set(key, cfg);
    }
    return cfg;
  }
}
