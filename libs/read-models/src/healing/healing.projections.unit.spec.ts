import { PROBATION_RESTRICTIONS, FULL_RESTRICTIONS, NO_RESTRICTIONS } from '@immune/contracts';
import { agentEvent } from '../fixtures/stored-event.spec-helper';
import { foldProjection } from '../projection';
import { evolveAgent } from '../agents/agents.projection';
import { evolveQuarantine } from '../quarantines/quarantines.projection';
import { healingAgentMemoryProjection } from './healing-agent-memory.projection';
import { healingLogProjection } from './healing-log.projection';
import { healingPatternsProjection } from './healing-patterns.projection';

const base = { quarantineId: 'q1', healingId: 'h1', diagnosis: 'prompt_drift' };
const quarantined = (seq: number, agentId = 'a1') =>
  agentEvent(seq, 'AgentQuarantined', { quarantineId: 'q1', level: 'suspended', reasonCode: 'anomaly', reason: 'r', severity: 'medium', source: 'sentinel', expiresAt: null, restrictions: FULL_RESTRICTIONS, healMode: 'automatic', diagnoses: [], deviation: 3, forensic: null }, { agentId });
const log = (agentId = 'a1') => [
  agentEvent(1, 'AgentRegistered', { model: null, agentType: null, mcpServers: [] }, { agentId }),
  quarantined(2, agentId),
  agentEvent(3, 'HealingStarted', { ...base, trigger: 'automatic', plan: ['reset_memory', 'rollback_prompt'] }, { agentId }),
  agentEvent(4, 'HealingProbationStarted', { ...base, action: 'reset_memory', attempt: 1, detail: 'ok', restrictions: PROBATION_RESTRICTIONS }, { agentId }),
  agentEvent(5, 'HealingActionFailed', { ...base, action: 'reset_memory', attempt: 1, reason: 'probation_failed', detail: 'vital 2: token_spike', restrictions: FULL_RESTRICTIONS }, { agentId }),
  agentEvent(6, 'HealingProbationStarted', { ...base, action: 'rollback_prompt', attempt: 2, detail: null, restrictions: PROBATION_RESTRICTIONS }, { agentId }),
  agentEvent(7, 'HealingActionSucceeded', { ...base, action: 'rollback_prompt', attempt: 2, vitalsJudged: 5, released: true, restrictions: NO_RESTRICTIONS }, { agentId }),
  agentEvent(8, 'AgentReleased', { quarantineId: 'q1', resolution: 'healed', durationSeconds: 6, restrictions: NO_RESTRICTIONS }, { agentId }),
];

describe('healing_log', () => {
  it('has one row per healing event with its outcome, action and reason', () => {
    const rows = foldProjection(healingLogProjection, log());
    expect([...rows.values()].map((r) => [r.seq, r.outcome, r.action, r.reason])).toEqual([
      [3, 'started', null, 'automatic'],
      [4, 'probation', 'reset_memory', null],
      [5, 'failed', 'reset_memory', 'probation_failed'],
      [6, 'probation', 'rollback_prompt', null],
      [7, 'succeeded', 'rollback_prompt', null],
    ]);
    expect(rows.get('5')).toMatchObject({ agentId: 'a1', healingId: 'h1', quarantineId: 'q1', diagnosis: 'prompt_drift', attempt: 1, detail: 'vital 2: token_spike' });
  });

  it('drops an attempt its integer column could not hold, instead of stopping the projector', () => {
    const odd = [1.5, '2', 2 ** 40, null].map((attempt, i) =>
      agentEvent(10 + i, 'HealingActionFailed', { ...base, action: 'reset_memory', attempt, reason: 'probation_failed', restrictions: FULL_RESTRICTIONS }),
    );
    const rows = foldProjection(healingLogProjection, [...log(), ...odd]);
    expect([10, 11, 12, 13].map((seq) => rows.get(String(seq))?.attempt)).toEqual([null, null, null, null]);
    expect(rows.get('5')?.attempt).toBe(1);
  });

  it('round-trips through its columns (the rebuild path)', () => {
    const row = foldProjection(healingLogProjection, log()).get('7');
    if (!row) throw new Error('missing');
    const cols = healingLogProjection.toColumns(row);
    const named = Object.fromEntries(healingLogProjection.columns.map((c, i) => [c.name, cols[i]]));
    expect(healingLogProjection.fromColumns({ ...named, seq: '7', occurred_at: new Date(row.occurredAt) })).toEqual(row);
  });
});

describe('healing_patterns', () => {
  it('counts successes and failures per diagnosis and action across agents; interrupted attempts do not count', () => {
    const interrupted = agentEvent(9, 'HealingActionFailed', { ...base, action: 'rollback_prompt', attempt: 3, reason: 'interrupted', detail: null, restrictions: FULL_RESTRICTIONS }, { agentId: 'b' });
    const rows = foldProjection(healingPatternsProjection, [...log('a1'), ...log('a2'), interrupted]);
    expect(rows.get('prompt_drift|reset_memory')).toEqual({ diagnosis: 'prompt_drift', action: 'reset_memory', successes: 0, failures: 2 });
    expect(rows.get('prompt_drift|rollback_prompt')).toEqual({ diagnosis: 'prompt_drift', action: 'rollback_prompt', successes: 2, failures: 0 });
    expect(rows.size).toBe(2);
  });
});

describe('healing_agent_memory', () => {
  it('keeps per agent and diagnosis the healings and per-action outcomes', () => {
    const rows = foldProjection(healingAgentMemoryProjection, log('a1'));
    expect(rows.get('a1|prompt_drift')).toMatchObject({
      agentId: 'a1',
      diagnosis: 'prompt_drift',
      healings: 1,
      exhaustions: 0,
      actions: { reset_memory: { successes: 0, failures: 1 }, rollback_prompt: { successes: 1, failures: 0 } },
      lastOutcome: 'succeeded',
    });
  });
});

describe('healing in the agents and quarantines views', () => {
  it('moves healing and status through probation, failure and success', () => {
    const events = log();
    let agent = null;
    let q = null;
    const seen: Array<[string | undefined, string | undefined, boolean | undefined]> = [];
    for (const e of events) {
      agent = evolveAgent(agent, e);
      q = evolveQuarantine(q, e);
      seen.push([agent?.status, agent?.quarantine?.healing, agent?.restrictions.probation]);
    }
    expect(seen.slice(2)).toEqual([
      ['suspended', 'in_progress', false],
      ['restricted', 'probation', true],
      ['suspended', 'in_progress', false],
      ['restricted', 'probation', true],
      ['restricted', 'succeeded', false],
      ['active', undefined, false],
    ]);
    expect(q?.record).toMatchObject({ healing: 'succeeded', outcome: 'released', active: false });
  });
});
