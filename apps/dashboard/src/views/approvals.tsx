import { can } from '../context';
import { useLoad, useSession } from '../hooks';
import { relative, sigma } from '../lib/format';
import type { Agent, Page } from '../lib/types';
import { Action, Panel, SeverityBadge } from './ui';

/** Quarantines waiting for an operator: healing to approve or reject, and rejected ones waiting for heal-now. */
export function ApprovalsView() {
  const session = useSession();
  const { api, role, liveTick } = session;
  const pending = useLoad<Page<Agent>>(session, '/approvals?state=pending&limit=500', true, [liveTick], 500);
  const rejected = useLoad<Page<Agent>>(session, '/approvals?state=rejected&limit=500', true, [liveTick], 500);
  const operator = can(role, 'operator');
  const reload = () => {
    pending.reload();
    rejected.reload();
  };
  const post = (path: string) => async () => {
    const r = await api.post<Record<string, unknown>>(path, {});
    reload();
    return r;
  };
  return (
    <div class="stack">
      <Panel
        title={`Pending approvals (${pending.data?.total ?? '…'})`}
        testid="pending"
        actions={
          operator && (pending.data?.total ?? 0) > 0 ? (
            <>
              <Action name="approve-all" label="Approve all" kind="primary" done="Approved all pending" run={post('/approvals/approve-all')} />
              <Action name="reject-all" label="Reject all" done="Rejected all pending" run={post('/approvals/reject-all')} />
            </>
          ) : null
        }
      >
        <AgentTable agents={pending.data?.items ?? null} empty="Nothing waits for approval." actions={(a) => operator && (
          <>
            <Action name="approve" label="Approve" kind="primary" done={`Approved ${a.agentId}`} run={post(`/approvals/${encodeURIComponent(a.agentId)}/approve`)} />
            <Action name="reject" label="Reject" done={`Rejected ${a.agentId}`} run={post(`/approvals/${encodeURIComponent(a.agentId)}/reject`)} />
          </>
        )} />
      </Panel>
      <Panel
        title={`Rejected healings (${rejected.data?.total ?? '…'})`}
        testid="rejected"
        actions={
          operator ? (
            <Action name="heal-all" label="Heal all" kind="primary" title="Heal every rejected and every manual quarantine" done="Healing requested for every rejected and manual quarantine" run={post('/agents/heal-all')} />
          ) : null
        }
      >
        <AgentTable agents={rejected.data?.items ?? null} empty="No rejected healing." actions={(a) => operator && (
          <Action name="heal" label="Heal now" kind="primary" done={`Healing ${a.agentId}`} run={post(`/agents/${encodeURIComponent(a.agentId)}/heal`)} />
        )} />
      </Panel>
    </div>
  );
}

function AgentTable(props: { agents: Agent[] | null; empty: string; actions(a: Agent): unknown }) {
  if (!props.agents) return <p class="mute">Loading…</p>;
  if (props.agents.length === 0) return <p class="empty">{props.empty}</p>;
  return (
    <table>
      <thead>
        <tr>
          <th>agent</th>
          <th>severity</th>
          <th>deviation</th>
          <th>diagnosis</th>
          <th>since</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {props.agents.map((a) => (
          <tr key={a.agentId} data-agent={a.agentId}>
            <td>
              <a href={`#/agent/${encodeURIComponent(a.agentId)}`}>{a.agentId}</a>
            </td>
            <td>
              <SeverityBadge severity={a.quarantine?.severity} />
            </td>
            <td>{sigma(a.quarantine?.deviation)}</td>
            <td>{a.quarantine?.diagnoses[0]?.hypothesis ?? a.quarantine?.reasonCode ?? '—'}</td>
            <td>{relative(a.quarantine?.quarantinedAt, Date.now())}</td>
            <td class="row-actions">{props.actions(a) as never}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
