import { isImmuneError, type ErrorCode } from '@immune/contracts';

export interface ForEachAgentResult {
  /** How many agents accepted their command. */
  succeeded: number;
  /** Agents that refused (or failed), in `agentId` order, with the stable error code. */
  failed: { agentId: string; code: ErrorCode }[];
}

const PARALLEL = 8;

/**
 * Runs one command per agent, a few at a time (framework-free). Agents are independent aggregates, so a refusal
 * of one is reported and the others go on; anything that is not an ImmuneError counts as INTERNAL.
 */
export async function forEachAgent(
  ids: readonly string[],
  run: (agentId: string) => Promise<unknown>,
  parallel = PARALLEL,
): Promise<ForEachAgentResult> {
  const result: ForEachAgentResult = { succeeded: 0, failed: [] };
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const agentId = ids[next++]!;
      try {
        await run(agentId);
        result.succeeded++;
      } catch (e) {
        result.failed.push({ agentId, code: isImmuneError(e) ? e.code : 'INTERNAL' });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, ids.length) }, worker));
  result.failed.sort((a, b) => (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0));
  return result;
}
