import { isImmuneError, type ActorRole, type EscalationCommandBody } from '@immune/contracts';
import {
  POLICY,
  currentProfile,
  decidePosture,
  evolvePosture,
  initialPosture,
  nextContainmentStep,
  activeEscalations,
  type FleetPostureState,
  type PostureDecision,
} from './index';

const NOW = '2026-01-01T00:00:00.000Z';
let n = 0;

function run(s: FleetPostureState, body: EscalationCommandBody, actor = 'alice', actorRole: ActorRole = 'operator', now = NOW): { s: FleetPostureState; d: PostureDecision } {
  const d = decidePosture({ ...body, commandId: `c${++n}`, actor, actorRole, now } as Parameters<typeof decidePosture>[0], s);
  let next = s;
  for (const event of d.events) next = evolvePosture(next, { event, occurredAt: now, actor });
  return { s: next, d };
}

function refusal(s: FleetPostureState, body: EscalationCommandBody, actor = 'alice', actorRole: ActorRole = 'operator', now = NOW): string {
  try {
    run(s, body, actor, actorRole, now);
  } catch (e) {
    if (isImmuneError(e)) return e.code;
    throw e;
  }
  throw new Error('expected a refusal');
}

const esc = (escalationId: string, toProfile: string, escalationType = 'operator_request', extra: Record<string, unknown> = {}) =>
  ({ type: 'RequestEscalation', escalationId, toProfile, escalationType, reason: 'because', ...extra }) as EscalationCommandBody;
const down = (escalationId: string, deescalationType = 'operator_release') => ({ type: 'DeescalateEscalation', escalationId, deescalationType, reason: 'done' }) as EscalationCommandBody;
const approve = (escalationId: string) => ({ type: 'ApproveEscalation', escalationId }) as EscalationCommandBody;
const baseline = (profile: string) => ({ type: 'ChangePostureBaseline', profile, reason: 'preview' }) as EscalationCommandBody;

/** operator → guardian → (quorum) phoenix. */
function toPhoenix(): FleetPostureState {
  let s = run(initialPosture(), esc('g', 'guardian')).s;
  s = run(s, esc('p', 'phoenix', 'crisis_declared'), 'root', 'admin').s;
  return run(s, approve('p'), 'bob').s;
}

describe('posture ladder: the policy table', () => {
  it('rests at operator; an admin sets observer (observe mode) and back', () => {
    const s0 = initialPosture();
    expect(currentProfile(s0)).toBe('operator');
    const { s, d } = run(s0, baseline('observer'), 'root', 'admin');
    expect(d).toMatchObject({ aggregate: 'posture', aggregateId: 'fleet', events: [{ type: 'PostureBaselineChanged', data: { fromBaseline: 'operator', toBaseline: 'observer' } }] });
    expect(currentProfile(s)).toBe('observer');
    expect(run(s, baseline('observer'), 'root', 'admin').d.events).toEqual([]);
    expect(refusal(s, baseline('operator'), 'alice', 'operator')).toBe('ESCALATION.REQUIRES_ADMIN');
    expect(refusal(s, baseline('guardian'), 'root', 'admin')).toBe('VALIDATION.FAILED');
  });

  it('observer → operator: reversible, TTL 1 h', () => {
    const s = run(initialPosture(), baseline('observer'), 'root', 'admin').s;
    const { s: s1, d } = run(s, esc('o', 'operator'));
    expect(d.events[0]).toMatchObject({ type: 'EscalationRaised', data: { fromProfile: 'observer', toProfile: 'operator', reversible: true, ttlSeconds: 3600, expiresAt: '2026-01-01T01:00:00.000Z' } });
    expect(currentProfile(s1)).toBe('operator');
    const { s: s2, d: d2 } = run(s1, down('o'));
    expect(d2.events[0]).toMatchObject({ type: 'EscalationDeescalated', data: { fromProfile: 'operator', toProfile: 'observer', wasActive: true } });
    expect(currentProfile(s2)).toBe('observer');
  });

  it('operator → guardian: TTL 2 h, ttlSeconds overrides it, automatic at confidence ≥ 0.8 only', () => {
    expect(run(initialPosture(), esc('g', 'guardian')).d.events[0]).toMatchObject({ data: { ttlSeconds: 7200, expiresAt: '2026-01-01T02:00:00.000Z' } });
    expect(run(initialPosture(), esc('g', 'guardian', 'operator_request', { ttlSeconds: 5 })).d.events[0]).toMatchObject({ data: { ttlSeconds: 5, expiresAt: '2026-01-01T00:00:05.000Z' } });
    const auto = run(initialPosture(), esc('t', 'guardian', 'threat_detected', { context: { confidence: 0.85 } }), 'escalation', 'service');
    expect(auto.d.events[0]).toMatchObject({ type: 'EscalationRaised', data: { type: 'threat_detected', context: { confidence: 0.85 } } });
    expect(refusal(initialPosture(), esc('t', 'guardian', 'threat_detected', { context: { confidence: 0.79 } }), 'escalation', 'service')).toBe('ESCALATION.HUMAN_ONLY');
  });

  it('guardian → phoenix: admin only, TTL 30 min, quorum of 2 distinct keys (the same key twice counts once)', () => {
    const g = run(initialPosture(), esc('g', 'guardian')).s;
    expect(refusal(g, esc('p', 'phoenix', 'crisis_declared'), 'alice', 'operator')).toBe('ESCALATION.REQUIRES_ADMIN');
    expect(refusal(g, esc('p', 'phoenix', 'crisis_declared', { context: { confidence: 1 } }), 'escalation', 'service')).toBe('ESCALATION.HUMAN_ONLY');
    const req = run(g, esc('p', 'phoenix', 'crisis_declared'), 'root', 'admin');
    expect(req.d.events).toMatchObject([{ type: 'EscalationRequested', data: { approvalsRequired: POLICY.phoenix.approvalsRequired, approvals: ['root'] } }]);
    expect(POLICY.phoenix.approvalsRequired).toBe(2);
    expect(currentProfile(req.s)).toBe('guardian');
    const again = run(req.s, approve('p'), 'root', 'admin');
    expect(again.d.events).toEqual([]);
    expect(currentProfile(again.s)).toBe('guardian');
    const ok = run(again.s, approve('p'), 'bob');
    expect(ok.d.events.map((e) => e.type)).toEqual(['EscalationApproved', 'EscalationRaised']);
    expect(ok.d.events[1]).toMatchObject({ data: { ttlSeconds: 1800, expiresAt: '2026-01-01T00:30:00.000Z', approvals: ['root', 'bob'] } });
    expect(currentProfile(ok.s)).toBe('phoenix');
    expect(refusal(ok.s, approve('p'), 'carol')).toBe('ESCALATION.NOT_PENDING');
    expect(refusal(ok.s, approve('nope'), 'carol')).toBe('ESCALATION.NOT_FOUND');
  });

  it('phoenix → sovereign: irreversible, human admin only, no TTL; only sovereign_revoke by an admin ends it', () => {
    const p = toPhoenix();
    expect(refusal(p, esc('s', 'sovereign', 'sovereign_override'), 'alice', 'operator')).toBe('ESCALATION.REQUIRES_ADMIN');
    expect(refusal(p, esc('s', 'sovereign', 'operator_request'), 'root', 'admin')).toBe('ESCALATION.TYPE_NOT_ALLOWED');
    expect(refusal(p, esc('s', 'sovereign', 'sovereign_override', { ttlSeconds: 60 }), 'root', 'admin')).toBe('VALIDATION.FAILED');
    const { s, d } = run(p, esc('s', 'sovereign', 'sovereign_override'), 'root', 'admin');
    expect(d.events[0]).toMatchObject({ type: 'EscalationRaised', data: { reversible: false, ttlSeconds: null, expiresAt: null } });
    expect(currentProfile(s)).toBe('sovereign');
    expect(refusal(s, down('s', 'operator_release'), 'root', 'admin')).toBe('ESCALATION.IRREVERSIBLE');
    expect(refusal(s, down('s', 'sovereign_revoke'), 'alice', 'operator')).toBe('ESCALATION.IRREVERSIBLE');
    expect(run(s, down('s', 'timeout_expired'), 'escalation', 'service', '2030-01-01T00:00:00.000Z').d.events).toEqual([]);
    const revoked = run(s, down('s', 'sovereign_revoke'), 'root', 'admin');
    expect(revoked.d.events[0]).toMatchObject({ data: { type: 'sovereign_revoke', fromProfile: 'sovereign', toProfile: 'phoenix' } });
    expect(currentProfile(revoked.s)).toBe('phoenix');
  });

  it('one step at a time: anything else is ESCALATION.NO_PATH, up and down', () => {
    expect(refusal(initialPosture(), esc('x', 'phoenix', 'crisis_declared'), 'root', 'admin')).toBe('ESCALATION.NO_PATH');
    expect(refusal(initialPosture(), esc('x', 'operator'))).toBe('ESCALATION.NO_PATH');
    expect(refusal(initialPosture(), esc('x', 'observer'))).toBe('ESCALATION.NO_PATH');
    const p = toPhoenix();
    expect(refusal(p, down('g'))).toBe('ESCALATION.NO_PATH');
    const sov = run(p, esc('s', 'sovereign', 'sovereign_override'), 'root', 'admin').s;
    expect(refusal(sov, esc('y', 'sovereign', 'sovereign_override'), 'root', 'admin')).toBe('ESCALATION.NO_PATH');
  });

  it('a quorum reached after the fleet moved is NO_PATH; a pending request can be withdrawn', () => {
    const g = run(initialPosture(), esc('g', 'guardian')).s;
    const req = run(g, esc('p', 'phoenix', 'crisis_declared'), 'root', 'admin').s;
    const back = run(req, down('g')).s;
    expect(currentProfile(back)).toBe('operator');
    expect(refusal(back, approve('p'), 'bob')).toBe('ESCALATION.NO_PATH');
    const { s, d } = run(back, down('p'));
    expect(d.events[0]).toMatchObject({ data: { wasActive: false, toProfile: 'operator' } });
    expect(s.escalations.get('p')?.status).toBe('ended');
    expect(refusal(s, down('p'))).toBe('ESCALATION.NOT_ACTIVE');
  });

  it('timeouts: not before expiresAt, once after; a lower escalation waits until it is the top', () => {
    const g = run(initialPosture(), esc('g', 'guardian', 'operator_request', { ttlSeconds: 60 })).s;
    expect(run(g, down('g', 'timeout_expired'), 'escalation', 'service', '2026-01-01T00:00:59.000Z').d.events).toEqual([]);
    const fired = run(g, down('g', 'timeout_expired'), 'escalation', 'service', '2026-01-01T00:01:00.000Z');
    expect(fired.d.events[0]).toMatchObject({ data: { type: 'timeout_expired', toProfile: 'operator' } });
    expect(refusal(fired.s, down('g', 'timeout_expired'), 'escalation', 'service', '2026-01-01T00:02:00.000Z')).toBe('ESCALATION.NOT_ACTIVE');
    expect(refusal(g, down('g', 'timeout_expired'))).toBe('ESCALATION.TYPE_NOT_ALLOWED');
    expect(refusal(g, down('g', 'operator_release'), 'escalation', 'service')).toBe('ESCALATION.HUMAN_ONLY');

    const p = toPhoenix();
    expect(run(p, down('g', 'timeout_expired'), 'escalation', 'service', '2026-01-02T00:00:00.000Z').d.events).toEqual([]);
  });

  it('de-escalation returns to the resting posture even when it changed meanwhile', () => {
    const g = run(initialPosture(), esc('g', 'guardian')).s;
    const obs = run(g, baseline('observer'), 'root', 'admin').s;
    expect(currentProfile(obs)).toBe('guardian');
    const { s, d } = run(obs, down('g', 'threat_resolved'), 'escalation', 'service');
    expect(d.events[0]).toMatchObject({ data: { toProfile: 'observer' } });
    expect(currentProfile(s)).toBe('observer');
    expect(activeEscalations(s)).toEqual([]);
  });

  it('refuses viewers, bad input and repeats nothing', () => {
    expect(refusal(initialPosture(), esc('g', 'guardian'), 'v', 'viewer')).toBe('AUTH.FORBIDDEN');
    expect(refusal(initialPosture(), esc('g', 'guardian', 'operator_request', { reason: ' ' }))).toBe('VALIDATION.FAILED');
    expect(refusal(initialPosture(), esc('g', 'guardian', 'nonsense'))).toBe('VALIDATION.FAILED');
    expect(refusal(initialPosture(), esc('g', 'guardian', 'operator_request', { ttlSeconds: 0 }))).toBe('VALIDATION.FAILED');
    expect(refusal(initialPosture(), esc('bad id', 'guardian'))).toBe('VALIDATION.FAILED');
    const g = run(initialPosture(), esc('g', 'guardian')).s;
    expect(run(g, esc('g', 'guardian')).d.events).toEqual([]);
  });
});

describe('containment ladder', () => {
  it('restricted → suspended → terminated (admin or policy), nothing beyond', () => {
    expect(nextContainmentStep('restricted', 'r', { admin: false })).toMatchObject({ to: 'suspended', command: { type: 'EscalateAgent', mayTerminate: false } });
    expect(() => nextContainmentStep('suspended', 'r', { admin: false })).toThrow(expect.objectContaining({ code: 'QUARANTINE.TERMINATE_REQUIRES_ADMIN' }));
    expect(nextContainmentStep('suspended', 'r', { admin: true })).toMatchObject({ to: 'terminated', reversible: false, command: { mayTerminate: true } });
    expect(nextContainmentStep('suspended', 'r', { admin: false, autoTerminate: true })).toMatchObject({ to: 'terminated' });
    expect(() => nextContainmentStep('terminated', 'r', { admin: true })).toThrow(expect.objectContaining({ code: 'AGENT.TERMINATED' }));
    expect(() => nextContainmentStep('active', 'r', { admin: true })).toThrow(expect.objectContaining({ code: 'QUARANTINE.NOT_ACTIVE' }));
  });
});
