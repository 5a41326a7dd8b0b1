import { HEALING_LADDERS, diagnosisOf, ladderFor } from './healing.ladders';
import { planActions, successScore } from './healing.memory';

describe('ladders', () => {
  it('has the DESIGN.md ladder for every diagnosis', () => {
    expect(HEALING_LADDERS.prompt_drift).toEqual(['reset_memory', 'rollback_prompt', 'reduce_autonomy', 'reset_agent']);
    expect(HEALING_LADDERS.prompt_injection).toEqual(['revoke_tools', 'reset_memory', 'rollback_prompt', 'reset_agent']);
    expect(HEALING_LADDERS.infinite_loop).toEqual(['revoke_tools', 'reduce_autonomy', 'reset_memory', 'reset_agent']);
    expect(HEALING_LADDERS.tool_instability).toEqual(['reduce_autonomy', 'rollback_prompt', 'reset_agent']);
    expect(HEALING_LADDERS.memory_corruption).toEqual(['reset_memory', 'reset_agent']);
    expect(HEALING_LADDERS.cost_overrun).toEqual(['reduce_autonomy', 'rollback_prompt', 'reset_memory', 'reset_agent']);
    expect(HEALING_LADDERS.external_cause).toEqual(['reduce_autonomy', 'reset_agent']);
    expect(HEALING_LADDERS.unknown).toEqual(['reset_memory', 'reduce_autonomy', 'reset_agent']);
    expect(ladderFor('nonsense')).toEqual(HEALING_LADDERS.unknown);
  });

  it('heals the top diagnosis it has a ladder for', () => {
    expect(diagnosisOf([{ hypothesis: 'prompt_injection', confidence: 0.95 }, { hypothesis: 'prompt_drift', confidence: 0.8 }])).toBe('prompt_injection');
    expect(diagnosisOf([{ hypothesis: 'alien', confidence: 0.99 }, { hypothesis: 'cost_overrun', confidence: 0.8 }])).toBe('cost_overrun');
    expect(diagnosisOf([])).toBe('unknown');
  });
});

describe('immune memory', () => {
  it('untried actions keep the ladder order', () => {
    expect(planActions('prompt_drift', [], {})).toEqual(HEALING_LADDERS.prompt_drift);
  });

  it('skips actions that failed for this agent and diagnosis', () => {
    expect(planActions('prompt_drift', ['reset_memory', 'reduce_autonomy'], {})).toEqual(['rollback_prompt', 'reset_agent']);
  });

  it('orders the rest by fleet-wide success, best first', () => {
    const fleet = {
      prompt_drift: {
        reset_memory: { successes: 1, failures: 9 },
        rollback_prompt: { successes: 30, failures: 2 },
        reset_agent: { successes: 5, failures: 5 },
      },
      cost_overrun: { reset_memory: { successes: 100, failures: 0 } },
    };
    // rollback 31/34 > untried reduce_autonomy 1/2 = reset_agent 6/12 (ladder order) > reset_memory 2/12
    expect(planActions('prompt_drift', [], fleet)).toEqual(['rollback_prompt', 'reduce_autonomy', 'reset_agent', 'reset_memory']);
    expect(planActions('prompt_drift', ['rollback_prompt'], fleet)).toEqual(['reduce_autonomy', 'reset_agent', 'reset_memory']);
  });

  it('smooths rates so one lucky outcome does not dominate', () => {
    expect(successScore(undefined)).toBe(0.5);
    expect(successScore({ successes: 1, failures: 0 })).toBeCloseTo(2 / 3);
    expect(successScore({ successes: 90, failures: 10 })).toBeGreaterThan(successScore({ successes: 1, failures: 0 }));
  });
});
