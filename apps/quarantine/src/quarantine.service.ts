import type { Subscription } from '@nats-io/transport-node';
import { Counter, type Registry } from 'prom-client';
import { names as namesOf, postureEffects, type StoredEvent } from '@immune/contracts';
import {
  ChainCheckpointer,
  ConsumerLoop,
  EventStore,
  connectNats,
  decodeEvent,
  openConfigBucket,
  provisionAll,
  startHeartbeat,
  type LoopLogger,
  type NatsContext,
} from '@immune/platform-jetstream';
import { PostureWatch } from '@immune/platform-partitions';
import { newId, type RuntimeConfig } from '@immune/platform-runtime';
import { AgentCommandHandler } from './agent-commands/agent-command.handler';
import { AgentRepository } from './agent-commands/agent.repository';
import { AgentStatusSync } from './agent-status/agent-status.sync';

export interface QuarantineServiceOptions {
  checkpointEveryEvents?: number;
  checkpointIntervalMs?: number;
}

/**
 * The quarantine service's composition root, free of Nest: the command responder (queue group, so instances
 * share the load), the KV status sync (durable consumer of agent events) and the chain checkpointer.
 */
export class QuarantineService {
  private constructor(
    private readonly ctx: NatsContext,
    private readonly subscription: Subscription,
    private readonly statusLoop: ConsumerLoop<StoredEvent>,
    private readonly checkpointer: ChainCheckpointer,
    private readonly stopHeartbeat: () => void,
    private readonly inFlight: Set<Promise<unknown>>,
    private readonly posture: PostureWatch,
  ) {}

  static async start(config: RuntimeConfig, log: LoopLogger, registry: Registry, opts: QuarantineServiceOptions = {}): Promise<QuarantineService> {
    const names = namesOf(config.namespace);
    const ctx = await connectNats(config.natsServers, 'immune-quarantine', { noAsyncTraces: true });
    const { status: statusKv } = await provisionAll(ctx.nc, names);
    const store = new EventStore(ctx.nc, names);
    const commands = new Counter({
      name: 'immune_commands_total',
      help: 'Agent commands handled, by type and outcome',
      labelNames: ['type', 'outcome', 'code'],
      registers: [registry],
    });
    // The posture decides whether new agents may register (not at phoenix and above).
    const posture = new PostureWatch(
      await openConfigBucket(ctx.nc, names),
      (p) => log.info({ posture: p.current, registrationOpen: postureEffects(p.current).registrationOpen }, 'posture changed'),
      (revision) => log.warn({ revision }, 'posture ignored: unreadable (operator applies)'),
    );
    await posture.start();
    const handler = new AgentCommandHandler(
      store,
      new AgentRepository(store),
      () => new Date(),
      (type, outcome, code) => commands.inc({ type, outcome, code: code ?? '' }),
      () => posture.effects.registrationOpen,
    );

    const inFlight = new Set<Promise<unknown>>();
    const subscription = ctx.nc.subscribe(names.agentCommands, {
      queue: 'quarantine',
      callback: (err, msg) => {
        if (err) {
          log.error({ err: String(err) }, 'command subscription failed');
          return;
        }
        let body: unknown;
        try {
          body = msg.json();
        } catch {
          body = null;
        }
        const work = handler
          .handle(body)
          .then((reply) => msg.respond(JSON.stringify(reply)))
          .catch((e: unknown) => {
            log.error({ err: e instanceof Error ? e.message : String(e) }, 'command failed');
            msg.respond(JSON.stringify({ ok: false, error: { code: 'INTERNAL', title: 'Internal error', detail: 'The command could not be handled; it may be retried with the same commandId.' } }));
          })
          .finally(() => inFlight.delete(work));
        inFlight.add(work);
      },
    });

    const statusSync = new AgentStatusSync(statusKv);
    const statusLoop = new ConsumerLoop<StoredEvent>({
      nc: ctx.nc,
      names,
      stream: names.eventsStream,
      durable: 'agent-status',
      filterSubject: `${names.ns}.events.agent.>`,
      deliverFrom: 'all',
      decode: decodeEvent,
      logger: log,
      registry,
      // Agents in parallel (one compare-and-set round trip each), each agent's events in order.
      concurrency: 64,
      onMessage: async (m) => {
        await statusSync.apply(m.value);
      },
    });
    await statusLoop.start();

    const checkpointer = new ChainCheckpointer(ctx.nc, names, {
      everyEvents: opts.checkpointEveryEvents ?? 1000,
      intervalMs: opts.checkpointIntervalMs ?? 60_000,
      actor: 'quarantine',
      logger: log,
    });
    await checkpointer.start();

    const stopHeartbeat = startHeartbeat(ctx.nc, names, 'quarantine', newId());
    log.info({ subject: names.agentCommands }, 'quarantine service ready');
    return new QuarantineService(ctx, subscription, statusLoop, checkpointer, stopHeartbeat, inFlight, posture);
  }

  async stop(): Promise<void> {
    this.stopHeartbeat();
    this.posture.stop();
    this.subscription.unsubscribe();
    await Promise.allSettled([...this.inFlight]);
    await this.checkpointer.stop();
    await this.statusLoop.stop();
    await this.ctx.nc.drain().catch(() => undefined);
  }
}
