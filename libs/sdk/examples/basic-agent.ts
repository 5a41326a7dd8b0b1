/**
 * A minimal agent: reports one vital per task, stops while the control plane has it suspended, and answers
 * the five healing actions. Run against a local control plane (`npm start`):
 *   IMMUNE_NAMESPACE=immune node -r ./tools/register-paths.cjs dist/libs/sdk/examples/basic-agent.js
 */
// eslint-disable-next-line @nx/enforce-module-boundaries -- examples import the published package name, as users do
import { ImmuneAgent, isAgentSuspendedError, isAgentTerminatedError } from '@immune/agent-sdk';

async function main(): Promise<void> {
  const agent = await ImmuneAgent.connect({
    agentId: 'example-researcher-1',
    agentType: 'researcher',
    model: 'claude-sonnet-4',
    mcpServers: ['web-search'],
  });

  let memory: string[] = [];
  agent.handleAll({
    reset_memory: () => {
      memory = [];
      return 'memory cleared';
    },
    rollback_prompt: () => 'prompt rolled back to v1',
    reduce_autonomy: () => 'single-step plans only',
    revoke_tools: () => 'tool credentials dropped',
    reset_agent: () => {
      memory = [];
      return 'restarted';
    },
  });
  agent.on('status', (c) => console.log(`status ${c.previous} → ${c.status}`, c.restrictions));

  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  while (!stop.signal.aborted) {
    try {
      await agent.waitUntilRunnable(stop.signal); // blocks while suspended
      await agent.run(async (signal) => {
        const started = Date.now();
        const toolCalls = agent.isAllowed('tools') ? 2 : 0; // honour toolsRevoked
        await new Promise((r) => setTimeout(r, 200)); // … the real work, checking `signal.aborted` between steps
        if (signal.aborted) return;
        memory.push('note');
        agent.report({ latencyMs: Date.now() - started, inputTokens: 900, outputTokens: 250, costUsd: 0.006, toolCalls, retries: 0 });
      });
    } catch (e) {
      if (isAgentTerminatedError(e)) break; // final
      if (!isAgentSuspendedError(e) && !stop.signal.aborted) throw e;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  await agent.close(); // publishes what is still queued
}

void main();
