import { threatConfidence } from '@immune/domain-detection';
import { AUTOMATIC_GUARDIAN_CONFIDENCE } from './escalation.policy';
import { currentProfile, activeEscalations, type FleetPostureState } from './escalation.state';

/** The sentinel's share of the fleet at which an anomaly is fleet-wide (DESIGN: 30%). */
export const FLEET_WIDE_FRACTION = 0.3;

export interface ThreatSighting {
  agentId: string;
  /** Epoch ms of the fleet-wide `AnomalyDetected`. */
  at: number;
}

export interface ThreatAssessment {
  agents: number;
  fleetSize: number;
  fraction: number;
  confidence: number;
}

/**
 * Threat confidence of the fleet-wide anomalies seen within `windowMs` before `now`: the share of the fleet
 * (registered, not terminated agents) they touched, mapped like the sentinel maps it — 0.8 at the fleet-wide
 * fraction (30%), rising linearly to 1 for the whole fleet, and proportionally below (0.8 × fraction / 0.3).
 */
export function assessThreat(sightings: readonly ThreatSighting[], fleetSize: number, now: number, windowMs: number): ThreatAssessment {
  const agents = new Set<string>();
  for (const s of sightings) if (s.at <= now && now - s.at <= windowMs) agents.add(s.agentId);
  const size = Math.max(fleetSize, agents.size);
  const fraction = size === 0 ? 0 : agents.size / size;
  const confidence = fraction === 0 ? 0 : fraction >= FLEET_WIDE_FRACTION ? threatConfidence(fraction) : (AUTOMATIC_GUARDIAN_CONFIDENCE * fraction) / FLEET_WIDE_FRACTION;
  return { agents: agents.size, fleetSize: size, fraction, confidence };
}

export type AutomaticAction =
  | { kind: 'escalate'; assessment: ThreatAssessment }
  | { kind: 'resolve'; escalationIds: string[] }
  | { kind: 'none'; reason: string };

/**
 * The escalation workflow's automatic decision: at operator posture a threat of confidence ≥ 0.8 raises
 * guardian; once no fleet-wide anomaly was seen for `quietMs`, the active automatic (`threat_detected`)
 * escalations end with `threat_resolved`. Human escalations keep their own TTL.
 */
export function decideAutomatic(s: FleetPostureState, assessment: ThreatAssessment, lastThreatAt: number | null, now: number, quietMs: number): AutomaticAction {
  const current = currentProfile(s);
  const threatened = assessment.confidence >= AUTOMATIC_GUARDIAN_CONFIDENCE;
  if (threatened && current === 'operator') return { kind: 'escalate', assessment };
  const automatic = activeEscalations(s).filter((e) => e.type === 'threat_detected' && e.reversible);
  if (automatic.length === 0) {
    return threatened
      ? { kind: 'none', reason: `threat confidence ${assessment.confidence.toFixed(2)}, but the fleet is at ${current}: only operator → guardian is automatic` }
      : { kind: 'none', reason: 'no automatic escalation is active' };
  }
  // Only the top can step down; the others follow on the next evaluations as they become the top.
  const top = activeEscalations(s).at(-1);
  if (!top || !automatic.includes(top)) return { kind: 'none', reason: 'a human escalation sits above the automatic one' };
  // Quiet since the last fleet-wide anomaly, and at least since the escalation was raised.
  const quietSince = Math.max(lastThreatAt ?? Number.NEGATIVE_INFINITY, top.raisedAt === null ? Number.NEGATIVE_INFINITY : Date.parse(top.raisedAt));
  if (now - quietSince < quietMs) return { kind: 'none', reason: 'the threat is still recent' };
  return { kind: 'resolve', escalationIds: [top.escalationId] };
}
