import { PROFILES, profileRank, type EscalatedProfile, type EscalationType, type Profile } from '@immune/contracts';

/**
 * The policy of one step up the posture ladder (DESIGN.md "Escalation"): each target profile has exactly one
 * source, the profile right below it — one step at a time.
 */
export interface StepPolicy {
  from: Profile;
  to: EscalatedProfile;
  /** False: no timeout, no release; only an admin's `sovereign_revoke` ends it. */
  reversible: boolean;
  /** Default TTL once raised; null for an irreversible step. */
  ttlSeconds: number | null;
  reasonRequired: boolean;
  /** Distinct named keys that must approve (the requester's key counts as the first); 0 = none. */
  approvalsRequired: number;
  /** Only a human key may request it (never an automatic escalation). */
  humanOnly: boolean;
  /** The role a human needs to request it. */
  minRole: 'operator' | 'admin';
  /** A service may raise it on its own when the threat confidence reaches this (null: never automatic). */
  automaticConfidence: number | null;
  /** Escalation types accepted for this step. */
  types: readonly EscalationType[];
}

/** Quorum of the guardian → phoenix step: two distinct keys (the requester's and one more). */
export const PHOENIX_QUORUM = 2;
export const AUTOMATIC_GUARDIAN_CONFIDENCE = 0.8;

const ORDINARY: readonly EscalationType[] = ['threat_detected', 'operator_request', 'crisis_declared', 'quorum_approved'];

export const POLICY: Readonly<Record<EscalatedProfile, StepPolicy>> = Object.freeze({
  operator: { from: 'observer', to: 'operator', reversible: true, ttlSeconds: 3600, reasonRequired: true, approvalsRequired: 0, humanOnly: false, minRole: 'operator', automaticConfidence: null, types: ORDINARY },
  guardian: { from: 'operator', to: 'guardian', reversible: true, ttlSeconds: 7200, reasonRequired: true, approvalsRequired: 0, humanOnly: false, minRole: 'operator', automaticConfidence: AUTOMATIC_GUARDIAN_CONFIDENCE, types: ORDINARY },
  phoenix: { from: 'guardian', to: 'phoenix', reversible: true, ttlSeconds: 1800, reasonRequired: true, approvalsRequired: PHOENIX_QUORUM, humanOnly: true, minRole: 'admin', automaticConfidence: null, types: ORDINARY },
  sovereign: { from: 'phoenix', to: 'sovereign', reversible: false, ttlSeconds: null, reasonRequired: true, approvalsRequired: 0, humanOnly: true, minRole: 'admin', automaticConfidence: null, types: ['sovereign_override', 'crisis_declared'] },
});

/** The policy of the step `from → to`, or null when it is not one step up the ladder. */
export function stepPolicy(from: Profile, to: Profile): StepPolicy | null {
  if (to === 'observer') return null;
  const p = POLICY[to];
  return p.from === from && profileRank(to) === profileRank(from) + 1 ? p : null;
}

/** The profile one step above `p`, or null at the top. */
export function nextProfile(p: Profile): Profile | null {
  return PROFILES[profileRank(p) + 1] ?? null;
}
