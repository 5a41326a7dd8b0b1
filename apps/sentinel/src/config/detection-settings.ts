import { DETECTION_CONFIG_KEY } from '@immune/contracts';
import { resolveDetectionConfig, type DetectionConfig, type DetectionSettings } from '@immune/domain-detection';

// Validation lives in the detection domain (`parseDetectionSettings`), shared with the gateway's `PUT /config/detection`.
export { DETECTION_CONFIG_KEY };

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
