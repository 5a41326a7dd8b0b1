import { checkDetectionConfig, type DetectionConfig, type DetectionSettings } from './detection.config';

/** On failure, `field` is the path of the offending field (`fleet.anomalySigma`, `agentTypes.coder`, …). */
export type SettingsCheck = { ok: true; settings: DetectionSettings } | { ok: false; reason: string; field: string };

const SETTINGS_FIELDS = ['fleet', 'agentTypes'];
/** What a stored settings document may carry besides the settings: who changed them, when and why. */
const METADATA_FIELDS = ['updatedAt', 'updatedBy', 'reason'];
/** Agent types as vitals carry them (any string); a bound keeps the stored document small. */
const MAX_AGENT_TYPE = 256;
const MAX_AGENT_TYPES = 1000;

/**
 * Validates `{ fleet?: partial config, agentTypes?: { [agentType]: partial config } }` — the body of
 * `PUT /config/detection` and (with `allowMetadata`) the document stored under the config bucket's `detection`
 * key, which also carries `updatedAt`, `updatedBy` and `reason`. The gateway and the sentinel both use it, so
 * what the gateway accepts is exactly what the sentinel applies.
 */
export function parseDetectionSettings(value: unknown, opts: { allowMetadata?: boolean } = {}): SettingsCheck {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'detection settings must be a JSON object', field: '' };
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v)) {
    if (SETTINGS_FIELDS.includes(key)) continue;
    if (opts.allowMetadata === true && METADATA_FIELDS.includes(key)) continue;
    return { ok: false, reason: `unknown field "${key}" (expected fleet, agentTypes)`, field: key };
  }
  const settings: DetectionSettings = {};
  if (v['fleet'] !== undefined && v['fleet'] !== null) {
    const fleet = checkDetectionConfig(v['fleet']);
    if (!fleet.ok) return { ok: false, reason: `fleet: ${fleet.reason}`, field: fleet.field === undefined ? 'fleet' : `fleet.${fleet.field}` };
    settings.fleet = fleet.config;
  }
  if (v['agentTypes'] !== undefined && v['agentTypes'] !== null) {
    const types = v['agentTypes'];
    if (typeof types !== 'object' || Array.isArray(types)) return { ok: false, reason: 'agentTypes must be an object keyed by agentType', field: 'agentTypes' };
    const entries = Object.entries(types as Record<string, unknown>);
    if (entries.length > MAX_AGENT_TYPES) return { ok: false, reason: `agentTypes may configure at most ${MAX_AGENT_TYPES} agent types`, field: 'agentTypes' };
    const out: Record<string, Partial<DetectionConfig>> = {};
    for (const [type, partial] of entries) {
      if (type.length === 0 || type.length > MAX_AGENT_TYPE) return { ok: false, reason: `agentTypes: an agentType must be 1–${MAX_AGENT_TYPE} characters`, field: 'agentTypes' };
      const checked = checkDetectionConfig(partial);
      if (!checked.ok) return { ok: false, reason: `agentTypes.${type}: ${checked.reason}`, field: checked.field === undefined ? `agentTypes.${type}` : `agentTypes.${type}.${checked.field}` };
      out[type] = checked.config;
    }
    settings.agentTypes = out;
  }
  return { ok: true, settings };
}
