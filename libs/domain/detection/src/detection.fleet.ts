import { DEFAULT_DETECTION_CONFIG } from './detection.config';
import type { DetectionConfig } from './detection.config';
import { addExternalCause } from './detection.diagnose';
import type { AnomalyType } from './detection.metrics';
import type { Infection } from './detection.observe';

/** One recent anomaly of one agent, as the sentinel remembers it (ts = the vital's time, epoch ms). */
export interface FleetAnomaly {
  agentId: string;
  type: AnomalyType;
  ts: number;
}

export interface FleetInput {
  nowMs: number;
  /** Active agents that have a baseline (warm) right now. */
  agentsWithBaseline: number;
  /** Recent anomalies; older than the window are ignored, so the caller may pass a little more. */
  recent: readonly FleetAnomaly[];
}

export interface FleetSignal {
  type: AnomalyType;
  /** Distinct agents showing it within the window, sorted. */
  agentIds: string[];
  /** agentIds.length / agentsWithBaseline (at most 1). */
  fraction: number;
  /** Fleet-wide: the threat confidence (0.8 at the threshold, 1 at the whole fleet); external cause: its hypothesis' confidence. */
  confidence: number;
}

export interface FleetCorrelation {
  /** False when fewer than `fleetMinAgents` agents have a baseline: nothing is correlated. */
  considered: boolean;
  /** ≥ `fleetWideFraction`: a fleet-wide event — no quarantine; the caller raises `threat_detected`. */
  fleetWide: FleetSignal[];
  /** From `externalCauseFraction` up to `fleetWideFraction`: add an external_cause hypothesis. */
  externalCause: FleetSignal[];
}

/**
 * Fleet correlation (DESIGN.md): anomalies of the same type from distinct agents with `ts` in
 * [nowMs − fleetWindowMs, nowMs + fleetWindowMs] (vitals may be timestamped slightly ahead), as a share of the
 * active agents with a baseline. O(recent), pure.
 */
export function correlateFleet(input: FleetInput, config: Readonly<DetectionConfig> = DEFAULT_DETECTION_CONFIG): FleetCorrelation {
  const out: FleetCorrelation = { considered: false, fleetWide: [], externalCause: [] };
  const total = input.agentsWithBaseline;
  if (!(total >= config.fleetMinAgents)) return out;
  out.considered = true;
  const byType = new Map<AnomalyType, Set<string>>();
  for (const a of input.recent) {
    if (!(Math.abs(input.nowMs - a.ts) <= config.fleetWindowMs)) continue;
    let agents = byType.get(a.type);
    if (!agents) byType.set(a.type, (agents = new Set()));
    agents.add(a.agentId);
  }
  for (const [type, agents] of byType) {
    const fraction = Math.min(1, agents.size / total);
    if (fraction >= config.fleetWideFraction) {
      out.fleetWide.push({ type, agentIds: [...agents].sort(), fraction, confidence: threatConfidence(fraction, config) });
    } else if (fraction >= config.externalCauseFraction) {
      out.externalCause.push({ type, agentIds: [...agents].sort(), fraction, confidence: externalCauseConfidence(fraction, config) });
    }
  }
  const order = (a: FleetSignal, b: FleetSignal) => b.fraction - a.fraction || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0);
  out.fleetWide.sort(order);
  out.externalCause.sort(order);
  return out;
}

/** 0.8 at `fleetWideFraction`, rising linearly to 1 when the whole fleet shows it (≥ 0.8: automatic guardian). */
export function threatConfidence(fraction: number, config: Readonly<DetectionConfig> = DEFAULT_DETECTION_CONFIG): number {
  const lo = config.fleetWideFraction;
  const f = Math.min(1, Math.max(lo, fraction));
  return lo >= 1 ? 1 : 0.8 + (0.2 * (f - lo)) / (1 - lo);
}

/** 0.5 at `externalCauseFraction`, rising linearly to 0.7 just below `fleetWideFraction` (our choice; DESIGN gives none). */
export function externalCauseConfidence(fraction: number, config: Readonly<DetectionConfig> = DEFAULT_DETECTION_CONFIG): number {
  const lo = config.externalCauseFraction;
  const hi = config.fleetWideFraction;
  const f = Math.min(hi, Math.max(lo, fraction));
  return hi > lo ? 0.5 + (0.2 * (f - lo)) / (hi - lo) : 0.5;
}

/**
 * Puts one agent's infection in its fleet context: null when every anomaly type of it is part of a fleet-wide
 * event (no quarantine: the fleet is under attack, not this agent); otherwise the infection, with an
 * external_cause hypothesis added when one of its types is seen on 15–30% of the fleet.
 */
export function applyFleetCorrelation(infection: Infection, fleet: FleetCorrelation): Infection | null {
  if (!fleet.considered) return infection;
  const wide = new Set(fleet.fleetWide.map((f) => f.type));
  if (infection.anomalies.length > 0 && infection.anomalies.every((a) => wide.has(a.type))) return null;
  let diagnoses = infection.diagnoses;
  for (const signal of fleet.externalCause) {
    if (!infection.anomalies.some((a) => a.type === signal.type)) continue;
    const evidence = `${signal.type} on ${signal.agentIds.length} agents (${Math.round(signal.fraction * 100)}% of the fleet) at once`;
    diagnoses = addExternalCause(diagnoses, signal.confidence, evidence);
  }
  return diagnoses === infection.diagnoses ? infection : { ...infection, diagnoses };
}
