import type { EventEnvelope } from '@immune/contracts';
import { DemoNarrator } from './demo-narrator';

let seq = 0;
function event(type: string, agentId: string, data: Record<string, unknown>): EventEnvelope {
  seq++;
  return {
    schemaVersion: 1, id: `e${seq}`, type, aggregate: 'agent', aggregateId: agentId, agentId, occurredAt: '2026-01-01T00:00:00.000Z',
    actor: 'healer', correlationId: 'c', causationId: null, data, prevHash: null, hash: 'h',
  } as unknown as EventEnvelope;
}

describe('DemoNarrator', () => {
  it('narrates detections, approvals and healings, and learns the immune memory best action first', () => {
    const n = new DemoNarrator();
    expect(n.apply(event('AnomalyDetected', 'a1', { anomalies: [{ type: 'tool_explosion', sigma: 16.8 }], diagnoses: [{ hypothesis: 'infinite_loop', confidence: 0.9 }] })))
      .toBe('INFECTION   a1: tool_explosion 16.8σ → infinite_loop 90%');
    expect(n.apply(event('ApprovalRequested', 'a1', { deviation: 16.8 }))).toMatch(/^APPROVAL\? +a1: deviation 16.8σ/);
    expect(n.pendingApproval.has('a1')).toBe(true);
    n.apply(event('HealingApproved', 'a1', {}));
    expect(n.pendingApproval.size).toBe(0);
    n.apply(event('HealingActionFailed', 'a1', { diagnosis: 'infinite_loop', action: 'revoke_tools', reason: 'probation_failed' }));
    n.apply(event('HealingActionFailed', 'a2', { diagnosis: 'infinite_loop', action: 'reduce_autonomy', reason: 'probation_failed' }));
    n.apply(event('HealingActionSucceeded', 'a1', { diagnosis: 'infinite_loop', action: 'reduce_autonomy' }));
    n.apply(event('HealingActionSucceeded', 'a3', { diagnosis: 'infinite_loop', action: 'reset_agent' }));
    expect(n.memoryLines()).toEqual(['  infinite_loop      reset_agent 1/1  reduce_autonomy 1/2  revoke_tools 0/1']);
    expect(n.apply(event('AgentReleased', 'a1', { resolution: 'healed' }))).toBe('RELEASED    a1: healed');
    expect(n.summaryLines()[0]).toMatch(/^infections 1, quarantined 0, waiting for approval 0, actions that healed 2, failed 2, released 1/);
    expect(n.apply(event('QuarantineNoteAdded', 'a1', {}))).toBeNull();
  });
});
