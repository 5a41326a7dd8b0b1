import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { unreachableMessage } from '@immune/platform-runtime';

/** A connection with its JetStream client and manager, created once per process. */
export interface NatsContext {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
}

export interface ConnectNatsOptions {
  /**
   * No stack capture for every request and timeout (nats.js builds two Error objects per request for async
   * traces): for hot paths that make many requests (KV puts, JetStream publishes). Errors still say what failed.
   */
  noAsyncTraces?: boolean;
}

/**
 * Connects to NATS and checks that JetStream is enabled, failing with one clear line (not a stack trace) so an
 * operator knows what to start. After the first connection the client reconnects forever: a NATS restart must
 * not kill services.
 */
export async function connectNats(servers: string[], name: string, opts: ConnectNatsOptions = {}): Promise<NatsContext> {
  const where = servers.join(',');
  let nc: NatsConnection;
  try {
    nc = await connect({ servers, name, maxReconnectAttempts: -1, reconnectTimeWait: 1000, timeout: 5000, noAsyncTraces: opts.noAsyncTraces === true });
  } catch (e) {
    throw new Error(unreachableMessage('NATS', where, e));
  }
  try {
    const jsm = await jetstreamManager(nc, { checkAPI: false });
    await jsm.getAccountInfo();
    return { nc, js: jetstream(nc), jsm };
  } catch (e) {
    await nc.close().catch(() => undefined);
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(
      `JetStream is not enabled on the NATS server at ${where} (${why}): start nats-server with -js (JetStream), or point NATS_URL at one that has it.`,
    );
  }
}
