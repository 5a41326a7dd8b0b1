import type { NatsConnection } from '@nats-io/transport-node';
import type { KV } from '@nats-io/kv';
import { checkVital, type Names } from '@immune/contracts';
import { restoreBaseline, type AgentBaseline } from '@immune/domain-detection';
import {
  DEFAULT_PROBATION_POLICY,
  ProbationJudge,
  probationOnTick,
  probationOnVital,
  startProbation,
  type ProbationPolicy,
  type ProbationVerdict,
} from '@immune/domain-healing';

export type ProbationResult = Extract<ProbationVerdict, { kind: 'passed' | 'failed' }> | { kind: 'aborted' };

/**
 * Judges one agent's probation live: subscribes to its vitals (core NATS, the same subject the stream captures),
 * scores each with a ProbationJudge built from the sentinel's persisted baseline (KV `{ns}_baselines`, key =
 * agentId, `{ snapshot }`), and ticks for the silence deadline. Resolves with the domain's verdict.
 */
export class ProbationWatcher {
  constructor(
    private readonly nc: NatsConnection,
    private readonly names: Names,
    private readonly baselines: KV,
    private readonly policy: ProbationPolicy = DEFAULT_PROBATION_POLICY,
  ) {}

  async loadBaseline(agentId: string): Promise<AgentBaseline | null> {
    try {
      const e = await this.baselines.get(agentId);
      if (e === null || e.operation !== 'PUT') return null;
      const stored = e.json<{ snapshot?: unknown }>();
      return restoreBaseline(stored.snapshot);
    } catch {
      return null;
    }
  }

  async judge(agentId: string, signal: { aborted: () => boolean }): Promise<ProbationResult> {
    const judge = new ProbationJudge(await this.loadBaseline(agentId));
    let state = startProbation(Date.now(), this.policy);
    return new Promise<ProbationResult>((resolve) => {
      let done = false;
      const finish = (r: ProbationResult): void => {
        if (done) return;
        done = true;
        clearInterval(ticker);
        sub.unsubscribe();
        resolve(r);
      };
      const sub = this.nc.subscribe(this.names.vitals(agentId), {
        callback: (err, msg) => {
          if (err || done) return;
          let value: unknown;
          try {
            value = msg.json();
          } catch {
            return;
          }
          const check = checkVital(value, agentId, Date.now());
          if (!check.ok) return; // an invalid vital is the telemetry's business, not a verdict
          const step = probationOnVital(state, judge.judge(check.vital), Date.now(), this.policy);
          state = step.state;
          if (step.verdict.kind === 'passed' || step.verdict.kind === 'failed') finish(step.verdict);
        },
      });
      const ticker = setInterval(() => {
        if (signal.aborted()) return finish({ kind: 'aborted' });
        const step = probationOnTick(state, Date.now(), this.policy);
        state = step.state;
        if (step.verdict.kind === 'failed') finish(step.verdict);
      }, Math.min(1000, Math.max(50, Math.floor(this.policy.silenceMs / 10))));
    });
  }
}
