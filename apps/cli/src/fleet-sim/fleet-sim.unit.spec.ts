import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HEALING_ACTIONS, NO_RESTRICTIONS, type HealingAction, type Restrictions } from '@immune/agent-sdk';
import { checkVital } from '@immune/contracts';
import { createAgentBaseline, observe, type AgentBaseline, type Infection } from '@immune/domain-detection';
import { cures, cureTableMarkdown, FAULT_KINDS, FAULTS, type Fault, type FaultKind } from './fleet-sim.faults';
import { AGENT_TYPES, makeProfile, Rng, vitalFor, type AgentProfile } from './fleet-sim.vitals';

// DESIGN.md, "Containment, approval and healing": the ladders the healer walks.
const LADDERS: Record<string, HealingAction[]> = {
  prompt_drift: ['reset_memory', 'rollback_prompt', 'reduce_autonomy', 'reset_agent'],
  prompt_injection: ['revoke_tools', 'reset_memory', 'rollback_prompt', 'reset_agent'],
  infinite_loop: ['revoke_tools', 'reduce_autonomy', 'reset_memory', 'reset_agent'],
  tool_instability: ['reduce_autonomy', 'rollback_prompt', 'reset_agent'],
  memory_corruption: ['reset_memory', 'reset_agent'],
  cost_overrun: ['reduce_autonomy', 'rollback_prompt', 'reset_memory', 'reset_agent'],
};

const NOW = Date.UTC(2026, 0, 1);

function sample(p: AgentProfile, rng: Rng, fault: Fault | null, restrictions: Restrictions = NO_RESTRICTIONS) {
  const v = vitalFor(p, rng, fault, restrictions);
  const checked = checkVital({ ...v, agentId: p.agentId, ts: NOW }, p.agentId, NOW);
  if (!checked.ok) throw new Error(`the simulator produced an invalid vital: ${checked.reason}`);
  return checked.vital;
}

function warmed(p: AgentProfile, rng: Rng, n = 60): AgentBaseline {
  const b = createAgentBaseline();
  for (let i = 0; i < n; i++) observe(b, sample(p, rng, null), { learn: true });
  return b;
}

/** Feeds faulty samples (not learned, as the sentinel does while an anomaly holds) until an infection. */
function firstInfection(b: AgentBaseline, p: AgentProfile, rng: Rng, fault: Fault, max = 12): Infection | null {
  for (let i = 0; i < max; i++) {
    const o = observe(b, sample(p, rng, fault), { learn: true });
    if (o.infection) return o.infection;
  }
  return null;
}

describe('the cure table', () => {
  it('every fault is curable (at least by reset_agent, the last rung of every ladder) and names only contract actions', () => {
    for (const k of FAULT_KINDS) {
      expect(FAULTS[k].curedBy.length).toBeGreaterThan(0);
      expect(FAULTS[k].curedBy.every((a) => (HEALING_ACTIONS as readonly string[]).includes(a))).toBe(true);
      expect(cures(k, 'reset_agent')).toBe(true);
    }
  });

  it('is not trivial: some faults are cured by the first rung of their ladder, others need immune memory to skip it', () => {
    const firstRungCures = FAULT_KINDS.filter((k) => {
      const ladder = LADDERS[FAULTS[k].expectedDiagnosis];
      return ladder ? cures(k, ladder[0]!) : false;
    });
    const firstRungFails = FAULT_KINDS.filter((k) => {
      const ladder = LADDERS[FAULTS[k].expectedDiagnosis];
      return ladder ? !cures(k, ladder[0]!) : false;
    });
    expect(firstRungCures).toEqual(expect.arrayContaining(['latency_spike', 'memory_corruption']));
    expect(firstRungFails).toEqual(expect.arrayContaining(['token_explosion', 'tool_loop', 'cost_spike', 'prompt_injection', 'retry_storm']));
    expect(cures('full_meltdown', 'reset_memory')).toBe(false);
    expect(cureTableMarkdown().split('\n')).toHaveLength(FAULT_KINDS.length + 2);
  });

  it('is documented as it is coded (docs/fleet-sim.md)', () => {
    const doc = readFileSync(join(__dirname, '..', '..', '..', '..', 'docs', 'fleet-sim.md'), 'utf8');
    expect(doc).toContain(cureTableMarkdown());
  });
});

describe('the vitals generator', () => {
  it('is deterministic for a seed and covers every agent type', () => {
    const a = makeProfile(new Rng(7), 3);
    const b = makeProfile(new Rng(7), 3);
    expect(a).toEqual(b);
    const r1 = new Rng(11);
    const r2 = new Rng(11);
    expect(Array.from({ length: 5 }, () => vitalFor(a, r1, null, NO_RESTRICTIONS))).toEqual(Array.from({ length: 5 }, () => vitalFor(b, r2, null, NO_RESTRICTIONS)));
    expect(new Set(Array.from({ length: 8 }, (_, i) => makeProfile(new Rng(i), i).agentType))).toEqual(new Set(AGENT_TYPES));
  });

  it('a healthy fleet (40 agents × 600 tasks) produces valid vitals and no infection in the real detector', () => {
    const infections: string[] = [];
    for (let i = 0; i < 40; i++) {
      const p = makeProfile(new Rng(1000 + i), i);
      const rng = new Rng(5000 + i);
      const b = createAgentBaseline();
      for (let t = 0; t < 600; t++) {
        const o = observe(b, sample(p, rng, null), { learn: true });
        if (o.infection) infections.push(`${p.agentId}@${t}: ${o.infection.anomalies.map((x) => x.type).join(',')}`);
      }
    }
    expect(infections).toEqual([]);
  });

  it('honours restrictions without looking sick: probation vitals of a healthy agent raise no infection', () => {
    const full: Restrictions = { toolsRevoked: true, autonomyReduced: true, replicationBlocked: true, networkRestricted: true, probation: true };
    for (let i = 0; i < 12; i++) {
      const p = makeProfile(new Rng(300 + i), i);
      const rng = new Rng(900 + i);
      const b = warmed(p, rng);
      for (let t = 0; t < 20; t++) {
        const v = vitalFor(p, rng, null, full);
        expect(v.toolCalls).toBeLessThanOrEqual(p.toolsLo);
        expect(v.mcpServers).toEqual([]);
        const o = observe(b, sample(p, rng, null, full), { learn: false });
        expect(o.infection).toBeNull();
      }
    }
  });

  it.each(FAULT_KINDS)('%s is detected by the real detector and diagnosed as the table says', (kind: FaultKind) => {
    const expected = FAULTS[kind].expectedDiagnosis.split(' / ');
    for (let i = 0; i < 8; i++) {
      const p = makeProfile(new Rng(70 + i), i);
      const rng = new Rng(170 + i);
      const b = warmed(p, rng);
      const severity = FAULTS[kind].neverSevere ? 'mild' : 'severe';
      const infection = firstInfection(b, p, rng, { kind, severity, injectedAt: NOW });
      expect(infection).not.toBeNull();
      expect(infection!.requiresApproval).toBe(severity === 'severe');
      expect(expected).toContain(infection!.diagnoses[0]!.hypothesis);
    }
  });

  it('mild faults are detected and mostly heal without approval (below 5σ); severe ones always need it', () => {
    let detected = 0;
    let automatic = 0;
    let total = 0;
    const mildKinds = FAULT_KINDS.filter((k) => !FAULTS[k].alwaysSevere);
    for (const kind of mildKinds) {
      for (let i = 0; i < 8; i++) {
        total++;
        const p = makeProfile(new Rng(40 + i), i);
        const rng = new Rng(440 + i);
        const b = warmed(p, rng);
        const infection = firstInfection(b, p, rng, { kind, severity: 'mild', injectedAt: NOW }, 20);
        if (infection) {
          detected++;
          if (!infection.requiresApproval) automatic++;
        }
      }
    }
    expect(detected / total).toBeGreaterThanOrEqual(0.9);
    expect(automatic / detected).toBeGreaterThanOrEqual(0.5);
  });
});
