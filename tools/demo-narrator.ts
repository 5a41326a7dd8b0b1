import type { EventEnvelope } from '@immune/contracts';

interface Tally {
  ok: number;
  failed: number;
}

/**
 * Folds the agent events of the log into what an operator wants to see during `npm run demo`: one line per
 * notable event, the agents waiting for approval, and the immune memory (per diagnosis and action, how often
 * it worked) as the healer learns it. Pure: the demo feeds it envelopes and prints what it returns.
 */
export class DemoNarrator {
  readonly pendingApproval = new Set<string>();
  readonly memory = new Map<string, Map<string, Tally>>();
  readonly totals = { detected: 0, quarantined: 0, healedActions: 0, failedActions: 0, released: 0, exhausted: 0, terminated: 0 };

  apply(e: EventEnvelope): string | null {
    const agent = e.agentId ?? e.aggregateId;
    const d = (e.data ?? {}) as Record<string, unknown>;
    const diagnosis = (list: unknown) => {
      const top = Array.isArray(list) ? (list[0] as { hypothesis?: string; confidence?: number } | undefined) : undefined;
      return top?.hypothesis ? `${top.hypothesis} ${Math.round((top.confidence ?? 0) * 100)}%` : 'no diagnosis';
    };
    switch (e.type) {
      case 'AnomalyDetected': {
        this.totals.detected++;
        const anomalies = Array.isArray(d['anomalies']) ? (d['anomalies'] as { type: string; sigma: number }[]).map((a) => `${a.type} ${a.sigma.toFixed(1)}σ`).join(', ') : '';
        return `INFECTION   ${agent}: ${anomalies} → ${diagnosis(d['diagnoses'])}${d['fleetWide'] ? ' (fleet-wide, not quarantined)' : ''}`;
      }
      case 'AgentQuarantined':
        this.totals.quarantined++;
        return `QUARANTINE  ${agent}: ${String(d['level'])}, severity ${String(d['severity'])}${d['source'] === 'sentinel' || d['healMode'] === 'automatic' ? '' : ` (${String(d['source'])})`}`;
      case 'ApprovalRequested':
        this.pendingApproval.add(agent);
        return `APPROVAL?   ${agent}: deviation ${typeof d['deviation'] === 'number' ? `${d['deviation'].toFixed(1)}σ` : '?'} — waiting for an operator (POST /api/v1/approvals/${agent}/approve)`;
      case 'HealingApproved':
      case 'HealingRejected':
        this.pendingApproval.delete(agent);
        return `${e.type === 'HealingApproved' ? 'APPROVED   ' : 'REJECTED   '} ${agent} by ${e.actor}`;
      case 'HealingStarted':
        return `HEALING     ${agent}: ${String(d['diagnosis'])}, plan ${Array.isArray(d['plan']) ? (d['plan'] as string[]).join(' → ') : '?'} (${String(d['trigger'])})`;
      case 'HealingActionSucceeded':
      case 'HealingActionFailed': {
        const ok = e.type === 'HealingActionSucceeded';
        const diag = String(d['diagnosis']);
        const action = String(d['action']);
        const byAction = this.memory.get(diag) ?? new Map<string, Tally>();
        this.memory.set(diag, byAction);
        const t = byAction.get(action) ?? { ok: 0, failed: 0 };
        byAction.set(action, t);
        if (ok) {
          t.ok++;
          this.totals.healedActions++;
        } else {
          t.failed++;
          this.totals.failedActions++;
        }
        return `${ok ? 'HEALED     ' : 'NOT HEALED '} ${agent}: ${action} for ${diag}${ok ? '' : ` (${String(d['reason'])})`}`;
      }
      case 'HealingExhausted':
        this.totals.exhausted++;
        return `EXHAUSTED   ${agent}: tried ${Array.isArray(d['tried']) ? (d['tried'] as string[]).join(', ') : '?'} → ${String(d['escalation'])}`;
      case 'AgentReleased':
        this.totals.released++;
        this.pendingApproval.delete(agent);
        return `RELEASED    ${agent}: ${String(d['resolution'] ?? '')}`;
      case 'AgentTerminated':
        this.totals.terminated++;
        this.pendingApproval.delete(agent);
        return `TERMINATED  ${agent}`;
      default:
        return null;
    }
  }

  /** The immune memory learned so far, best action first per diagnosis. */
  memoryLines(): string[] {
    const lines: string[] = [];
    for (const [diag, byAction] of [...this.memory.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const ranked = [...byAction.entries()].sort(([, a], [, b]) => rate(b) - rate(a) || b.ok - a.ok);
      lines.push(`  ${diag.padEnd(18)} ${ranked.map(([action, t]) => `${action} ${t.ok}/${t.ok + t.failed}`).join('  ')}`);
    }
    return lines;
  }

  summaryLines(): string[] {
    const t = this.totals;
    return [
      `infections ${t.detected}, quarantined ${t.quarantined}, waiting for approval ${this.pendingApproval.size}, actions that healed ${t.healedActions}, failed ${t.failedActions}, released ${t.released}, exhausted ${t.exhausted}, terminated ${t.terminated}`,
      ...(this.memory.size > 0 ? ['immune memory (successes/attempts per diagnosis and action, best first):', ...this.memoryLines()] : []),
    ];
  }
}

function rate(t: Tally): number {
  return t.ok / Math.max(1, t.ok + t.failed);
}
