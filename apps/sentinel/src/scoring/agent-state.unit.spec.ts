import type { Vital } from '@immune/contracts';
import { createAgentBaseline } from '@immune/domain-detection';
import { AgentState, RECENT_VITALS } from './agent-state';

function vital(i: number): Vital {
  return {
    agentId: 'a', ts: 1_700_000_000_000 + i, latencyMs: 1000 + i, inputTokens: 500, outputTokens: 200, tokens: 700, costUsd: 0.01, toolCalls: 3,
    retries: i % 2, success: i % 3 !== 0, errorType: i % 3 === 0 ? 'timeout' : null, promptHash: 'hash-1', model: 'm', agentType: 't', mcpServers: [],
  };
}

describe('AgentState', () => {
  it('remembers the last 10 vitals, oldest first', () => {
    const a = new AgentState('a', 0, createAgentBaseline());
    for (let i = 0; i < 3; i++) a.remember(vital(i));
    expect(a.recentVitals().map((v) => v.latencyMs)).toEqual([1000, 1001, 1002]);
    for (let i = 3; i < 25; i++) a.remember(vital(i));
    const recent = a.recentVitals();
    expect(recent).toHaveLength(RECENT_VITALS);
    expect(recent.map((v) => v.latencyMs)).toEqual(Array.from({ length: 10 }, (_, k) => 1015 + k));
    expect(recent[0]).toEqual({
      ts: 1_700_000_000_015, latencyMs: 1015, tokens: 700, inputTokens: 500, outputTokens: 200, costUsd: 0.01, toolCalls: 3, retries: 1,
      success: false, errorType: 'timeout', promptHash: 'hash-1',
    });
  });
});
