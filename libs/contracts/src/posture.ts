/**
 * Fleet posture, shared by every service that enforces something. The escalation service is its only writer:
 * it keeps the posture in force under key `posture` of the config bucket (`{ns}_config`), and every other
 * service (sentinel, healer, quarantine, gateway) watches that key and adapts. A missing key means the
 * default posture: operator, resting posture operator.
 */
export const PROFILES = ['observer', 'operator', 'guardian', 'phoenix', 'sovereign'] as const;
export type Profile = (typeof PROFILES)[number];

/** The resting postures an admin may choose (`PUT /posture/baseline`). */
export const BASELINE_PROFILES = ['observer', 'operator'] as const;
export type BaselineProfile = (typeof BASELINE_PROFILES)[number];

/** The key of the posture in the config bucket. */
export const POSTURE_KEY = 'posture';

/** The value under `POSTURE_KEY`: what is in force now. */
export interface PostureState {
  current: Profile;
  baseline: BaselineProfile;
  /** Stream sequence of the last event that changed it (0 before any). */
  version: number;
  changedAt: string | null;
}

export const DEFAULT_POSTURE: PostureState = Object.freeze({ current: 'operator', baseline: 'operator', version: 0, changedAt: null });

export function profileRank(p: Profile): number {
  return PROFILES.indexOf(p);
}

/**
 * What a posture means for automation, in one place so every service reads it the same way:
 * - observer: detect and record, enforce nothing (anomalies are events, agents stay active);
 * - operator: normal enforcement;
 * - guardian: stricter detection thresholds, no automatic release after probation (an operator releases);
 * - phoenix: new infections suspended, healing only after approval, no new agent registers;
 * - sovereign: every automated action waits for a human.
 */
export interface PostureEffects {
  enforce: boolean;
  /** Factor applied to the detection thresholds (σ); below 1 = stricter. */
  thresholdFactor: number;
  autoRelease: boolean;
  /** Every healing needs an operator's approval first. */
  healingNeedsApproval: boolean;
  /** Automated quarantines, healings and releases all wait for a human. */
  humanOnly: boolean;
  registrationOpen: boolean;
}

export function postureEffects(p: Profile): PostureEffects {
  switch (p) {
    case 'observer':
      return { enforce: false, thresholdFactor: 1, autoRelease: true, healingNeedsApproval: false, humanOnly: false, registrationOpen: true };
    case 'operator':
      return { enforce: true, thresholdFactor: 1, autoRelease: true, healingNeedsApproval: false, humanOnly: false, registrationOpen: true };
    case 'guardian':
      return { enforce: true, thresholdFactor: 0.8, autoRelease: false, healingNeedsApproval: false, humanOnly: false, registrationOpen: true };
    case 'phoenix':
      return { enforce: true, thresholdFactor: 0.8, autoRelease: false, healingNeedsApproval: true, humanOnly: false, registrationOpen: false };
    case 'sovereign':
      return { enforce: true, thresholdFactor: 0.8, autoRelease: false, healingNeedsApproval: true, humanOnly: true, registrationOpen: false };
  }
}

/** Parses a posture value read from the KV; anything unreadable is the default (and should be logged). */
export function parsePostureState(value: unknown): PostureState | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const current = v['current'];
  const baseline = v['baseline'];
  if (typeof current !== 'string' || !(PROFILES as readonly string[]).includes(current)) return null;
  if (typeof baseline !== 'string' || !(BASELINE_PROFILES as readonly string[]).includes(baseline)) return null;
  return {
    current: current as Profile,
    baseline: baseline as BaselineProfile,
    version: typeof v['version'] === 'number' ? v['version'] : 0,
    changedAt: typeof v['changedAt'] === 'string' ? v['changedAt'] : null,
  };
}
