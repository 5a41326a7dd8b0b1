/**
 * Many agents in one process share one NATS connection (as `immune fleet-sim` does): pass `nc`; `close()`
 * then leaves the connection open for the others.
 */
import { connect } from '@nats-io/transport-node';
// eslint-disable-next-line @nx/enforce-module-boundaries -- examples import the published package name, as users do
import { ImmuneAgent } from '@immune/agent-sdk';

async function main(): Promise<void> {
  const nc = await connect({ servers: process.env['NATS_URL'] || 'nats://127.0.0.1:4222', maxReconnectAttempts: -1 });
  const agents = await Promise.all(
    ['support-1', 'support-2', 'support-3'].map((agentId) =>
      ImmuneAgent.connect({ agentId, nc, agentType: 'support', model: 'gpt-4o', maxBuffer: 5000, flushIntervalMs: 250 }),
    ),
  );
  for (const a of agents) {
    a.handle('reset_agent', () => 'restarted');
    try {
      a.guard();
      a.report({ latencyMs: 1200, inputTokens: 800, outputTokens: 240, toolCalls: 1, retries: 0 });
    } catch (e) {
      console.log(`${a.agentId} may not work now: ${(e as Error).message}`);
    }
    console.log(a.agentId, a.status, a.stats);
  }
  await Promise.all(agents.map((a) => a.close()));
  await nc.close();
}

void main();
