import type { KV, KvEntry } from '@nats-io/kv';
import { DEFAULT_POSTURE, postureEffects, type PostureEffects, type Profile } from '@immune/contracts';
import type { DetectionConfig } from '@immune/domain-detection';
import { PostureWatch as SharedPostureWatch, type KvWatch } from '@immune/platform-partitions';
import { DetectionSettingsCache } from '../config/detection-settings';

/** σ thresholds the posture's `thresholdFactor` scales (below 1 = stricter: smaller deviations count). */
const SCALED: ReadonlyArray<keyof DetectionConfig> = ['anomalySigma', 'confirmSigma', 'immediateSigma', 'immediateConsecutiveSigma'];

const NO_TYPE = '\u0000';

/**
 * The detection settings in force, scaled by the fleet posture: at guardian and above every σ threshold is
 * multiplied by `postureEffects().thresholdFactor`. A posture change bumps `generation`, so agents re-resolve
 * their config on their next vital.
 */
export class PostureAwareSettings extends DetectionSettingsCache {
  private factor = 1;
  private readonly scaled = new Map<string, Readonly<DetectionConfig>>();

  get thresholdFactor(): number {
    return this.factor;
  }

  setThresholdFactor(factor: number): void {
    if (factor === this.factor || !(factor > 0)) return;
    this.factor = factor;
    this.set(this.current());
  }

  override set(settings: Parameters<DetectionSettingsCache['set']>[0]): void {
    this.scaled?.clear();
    super.set(settings);
  }

  override resolve(agentType: string | null): Readonly<DetectionConfig> {
    const base = super.resolve(agentType);
    if (this.factor === 1) return base;
    const key = agentType ?? NO_TYPE;
    let cfg = this.scaled.get(key);
    if (!cfg) {
      const copy = { ...base } as Record<string, unknown>;
      for (const k of SCALED) if (typeof copy[k] === 'number') copy[k] = (copy[k] as number) * this.factor;
      cfg = Object.freeze(copy as unknown as DetectionConfig);
      this.scaled.set(key, cfg);
    }
    return cfg;
  }
}

export interface PostureLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/**
 * The sentinel's view of the fleet posture (the shared PostureWatch of KV `{ns}_config` key `posture`; missing =
 * operator): observer records infections without enforcing them, guardian and above detect with stricter
 * thresholds, phoenix and above ask approval for every infection's healing.
 */
export class PostureWatch {
  profile: Profile = DEFAULT_POSTURE.current;
  effects: PostureEffects = postureEffects(DEFAULT_POSTURE.current);
  private log: PostureLog = { info: () => undefined, warn: () => undefined };
  private readonly shared = new SharedPostureWatch(
    null,
    (p) => {
      this.apply(p.current);
      this.log.info({ posture: p.current, enforce: this.effects.enforce, thresholdFactor: this.effects.thresholdFactor }, 'posture applied');
    },
    (revision) => this.log.warn({ revision }, 'posture ignored: unreadable (operator applies)'),
  );

  constructor(private readonly settings: PostureAwareSettings) {}

  watch(kv: KV, log: PostureLog): Promise<KvWatch> {
    this.log = log;
    return this.shared.start(kv);
  }

  onEntry(e: Pick<KvEntry, 'revision' | 'operation' | 'json'>, log: PostureLog): void {
    this.log = log;
    this.shared.onEntry(e);
  }

  apply(profile: Profile): void {
    this.profile = profile;
    this.effects = postureEffects(profile);
    this.settings.setThresholdFactor(this.effects.thresholdFactor);
  }
}
