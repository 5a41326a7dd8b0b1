import { useState } from 'preact/hooks';
import { can, has, type Session } from '../context';
import { useLoad, useNow, useSession, type Loaded } from '../hooks';
import { countdown, relative } from '../lib/format';
import { PROFILES, type Profile } from '../lib/types';
import { Action, Panel, Unavailable } from './ui';

interface Posture {
  current: Profile;
  baseline: Profile;
  activeEscalations?: Escalation[];
}
type Escalation = Record<string, unknown> & { escalationId: string };
type Rows = Escalation[] | { items?: Escalation[] };

const DEESCALATION_TYPES = ['operator_release', 'threat_resolved', 'crisis_concluded', 'timeout_expired', 'sovereign_revoke'];
const ESCALATION_TYPES = ['operator_request', 'threat_detected', 'crisis_declared', 'quorum_approved', 'sovereign_override'];

export function usePosture(session: Session, tick: number): Loaded<Posture> {
  return useLoad<Posture>(session, '/posture', has(session, '/api/v1/posture'), [tick], 1500);
}

/** Posture ladder, active escalations with the time left, approve / de-escalate, and raising one step. */
export function EscalationsView() {
  const session = useSession();
  const { api, role, liveTick } = session;
  const now = useNow(1000);
  const posture = usePosture(session, liveTick);
  const active = useLoad<Rows>(session, '/escalations?active=true', has(session, '/api/v1/escalations'), [liveTick], 800);
  const history = useLoad<Rows>(session, '/escalations/history?limit=20', has(session, '/api/v1/escalations/history'), [liveTick], 2000);
  const [reason, setReason] = useState('');
  const [type, setType] = useState('operator_release');
  const [raiseType, setRaiseType] = useState('operator_request');
  const [ttl, setTtl] = useState('');
  if (posture.unavailable && active.unavailable) return <Panel title="Escalation">{<Unavailable what="Posture and escalation" />}</Panel>;
  const current = posture.data?.current ?? 'operator';
  const baseline = posture.data?.baseline ?? 'operator';
  const next = PROFILES[PROFILES.indexOf(current) + 1];
  const list = active.data ? (Array.isArray(active.data) ? active.data : active.data.items ?? []) : posture.data?.activeEscalations ?? [];
  const past = history.data ? (Array.isArray(history.data) ? history.data : history.data.items ?? []) : [];
  const operator = can(role, 'operator');
  const text = () => reason.trim() || 'Operator action from the dashboard';
  const reload = () => {
    posture.reload();
    active.reload();
  };
  return (
    <div class="stack">
      <Panel title="Fleet posture" testid="posture">
        <ol class="ladder">
          {PROFILES.map((p) => (
            <li key={p} class={`${p === current ? 'current' : ''} ${p === baseline ? 'baseline' : ''} posture-${p}`} data-profile={p}>
              <b>{p}</b>
              {p === current && <span> in force</span>}
              {p === baseline && <span class="mute"> resting</span>}
            </li>
          ))}
        </ol>
        {operator && next && (
          <div class="actions">
            <input name="escalation-reason" aria-label="Reason" placeholder="Reason" value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
            <select aria-label="Escalation type" value={raiseType} onChange={(e) => setRaiseType((e.target as HTMLSelectElement).value)}>
              {ESCALATION_TYPES.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
            <input name="ttl" aria-label="TTL seconds" placeholder="TTL s (policy)" size={10} value={ttl} onInput={(e) => setTtl((e.target as HTMLInputElement).value)} />
            <Action
              name="raise"
              label={`Escalate to ${next}`}
              kind="danger"
              disabled={(next === 'phoenix' || next === 'sovereign') && !can(role, 'admin')}
              title={(next === 'phoenix' || next === 'sovereign') && !can(role, 'admin') ? 'Needs an admin key' : undefined}
              done={`Escalation to ${next} requested`}
              run={async () => {
                const ttlSeconds = Number.parseInt(ttl, 10);
                await api.post('/escalations', { toProfile: next, type: raiseType, reason: text(), ...(ttlSeconds > 0 ? { ttlSeconds } : {}) });
                reload();
              }}
            />
          </div>
        )}
      </Panel>
      <Panel title={`Active escalations (${list.length})`} testid="active-escalations">
        {list.length === 0 ? (
          <p class="empty">No active escalation: the fleet rests at {baseline}.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>to</th>
                <th>type</th>
                <th>reason</th>
                <th>approvals</th>
                <th>expires in</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.map((e) => {
                const needed = typeof e['approvalsRequired'] === 'number' ? e['approvalsRequired'] : 0;
                const got = Array.isArray(e['approvals']) ? e['approvals'].length : 0;
                const waiting = typeof e['status'] === 'string' ? e['status'] === 'pending' : got < needed;
                const id = encodeURIComponent(e.escalationId);
                return (
                  <tr key={e.escalationId} data-escalation={e.escalationId}>
                    <td>
                      <b>{String(e['toProfile'] ?? '')}</b> <span class="mute">from {String(e['fromProfile'] ?? '')}</span>
                    </td>
                    <td>{String(e['type'] ?? '')}</td>
                    <td>{String(e['reason'] ?? '')}</td>
                    <td>{needed ? `${got}/${needed}` : '—'}</td>
                    <td class="countdown">{e['reversible'] === false ? 'irreversible' : countdown(e['expiresAt'] as string | null, now)}</td>
                    <td class="row-actions">
                      {operator && waiting && <Action name="approve-escalation" label="Approve" kind="primary" done="Approved" run={async () => (await api.post(`/escalations/${id}/approve`, {}), reload())} />}
                      {operator && !waiting && e['reversible'] !== false && (
                        <>
                          <select aria-label="De-escalation type" value={type} onChange={(ev) => setType((ev.target as HTMLSelectElement).value)}>
                            {DEESCALATION_TYPES.map((t) => (
                              <option key={t}>{t}</option>
                            ))}
                          </select>
                          <Action name="deescalate" label="De-escalate" done="De-escalated" run={async () => (await api.post(`/escalations/${id}/deescalate`, { type, reason: text() }), reload())} />
                        </>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Panel>
      {past.length > 0 && (
        <Panel title="Recent escalations">
          <ul class="timeline">
            {past.map((e) => (
              <li key={e.escalationId}>
                <span class="mute">{relative(String(e['raisedAt'] ?? e['requestedAt'] ?? e['at'] ?? ''), now)}</span> {String(e['fromProfile'] ?? '')} → <b>{String(e['toProfile'] ?? '')}</b>{' '}
                {String(e['type'] ?? '')} <span class="mute">{String(e['status'] ?? e['state'] ?? '')}</span>
              </li>
            ))}
          </ul>
        </Panel>
      )}
    </div>
  );
}
