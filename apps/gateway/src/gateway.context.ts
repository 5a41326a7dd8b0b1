import { hostname } from 'node:os';
import type { NatsConnection } from '@nats-io/transport-node';
import type { DataSource } from 'typeorm';
import { names as namesOf, type Names } from '@immune/contracts';
import { connectNats, HeartbeatMonitor, provisionAll, startHeartbeat, verifyStream } from '@immune/platform-jetstream';
import { openDataSource } from '@immune/platform-postgres';
import { metricsPort, startMetricsServer, type RuntimeConfig } from '@immune/platform-runtime';
import { migrate, READ_MODEL_ENTITIES } from '@immune/read-models';
import { AgentQueries } from './agents/agent.queries';
import { HealAllHandler } from './agents/heal-all/heal-all.handler';
import { DecideAllApprovalsHandler } from './approvals/decide-all.handler';
import { AgentCommandHandler } from './commands/agent-command.handler';
import { CommandClient } from './commands/command.client';
import { DetectionConfigStore } from './config/detection-config.store';
import { VitalsHistoryQueries } from './vitals/vitals-history.queries';
import { ProjectionProgress } from './commands/projection-progress';
import { sqlRunnerOf, type SqlRunner } from './common/sql';
import { EventQueries } from './events/event.queries';
import { EventLogVerifier } from './events/verify-events/event-log.verifier';
import { Readiness, readyServices } from './health/readiness.service';
import { IdempotencyStore } from './idempotency/idempotency.store';
import { VitalsIngestHandler } from './vitals/vitals-ingest.handler';
import { ApiKeyService, bootstrapBanner } from './keys/api-key.service';
import { GatewayMetrics } from './metrics/gateway.metrics';
import { QuarantineQueries } from './quarantines/quarantine.queries';
import { TerminateAllHandler } from './quarantines/terminate-all/terminate-all.handler';
import { postureFrom } from './report/posture';
import { EscalationCommandHandler } from './escalations/escalation-command.handler';
import { EscalationQueries } from './escalations/escalation.queries';
import { SERVICE } from './service-name';
import { LiveFeed } from './stream/live-feed';
import { natsFeedSource } from './stream/live-feed.nats';
import { ReportQueries } from './report/report.queries';

/**
 * Everything the gateway's routes use, built before Nest starts (framework-free): connections, stores,
 * queries and handlers. Nest receives these instances as providers; nothing here imports Nest.
 */
export interface GatewayContext {
  config: RuntimeConfig;
  names: Names;
  nc: NatsConnection;
  ds: DataSource;
  sql: SqlRunner;
  metrics: GatewayMetrics;
  keys: ApiKeyService;
  idempotency: IdempotencyStore;
  vitals: VitalsIngestHandler;
  progress: ProjectionProgress;
  commands: CommandClient;
  agentCommands: AgentCommandHandler;
  agents: AgentQueries;
  quarantines: QuarantineQueries;
  terminateAll: TerminateAllHandler;
  healAll: HealAllHandler;
  decideAllApprovals: DecideAllApprovalsHandler;
  report: ReportQueries;
  events: EventQueries;
  verifier: EventLogVerifier;
  readiness: Readiness;
  /** The dashboard's live feed (`GET /api/v1/stream`). */
  liveFeed: LiveFeed;
  detectionConfig: DetectionConfigStore;
  vitalsHistory: VitalsHistoryQueries;
  escalations: EscalationQueries;
  escalationCommands: EscalationCommandHandler;
  close(): Promise<void>;
}

export interface OpenOptions {
  config: RuntimeConfig;
  env?: NodeJS.ProcessEnv;
  /** Where freshly generated bootstrap keys are printed (stdout by default: operators must see them). */
  print?: (line: string) => void;
  metrics?: GatewayMetrics;
  /** Serve metrics on GATEWAY_METRICS_PORT as well (default true). */
  metricsServer?: boolean;
}

/** Connects NATS and PostgreSQL, migrates, provisions streams, bootstraps keys and builds the services. */
export async function openGatewayContext(opts: OpenOptions): Promise<GatewayContext> {
  const { config } = opts;
  const env = opts.env ?? process.env;
  const print = opts.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const names = namesOf(config.namespace);

  // No async-trace stacks: every write makes a NATS request; errors keep their type and message.
  const { nc } = await connectNats(config.natsServers, `immune-${SERVICE}`, { noAsyncTraces: true });
  const cleanups: (() => Promise<void> | void)[] = [() => nc.drain().catch(() => nc.close())];
  const closeAll = async () => {
    for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch(() => undefined);
  };
  try {
    await provisionAll(nc, names);
    await migrate(config);
    const ds = await openDataSource({
      databaseUrl: config.databaseUrl,
      schema: names.pgSchema,
      entities: READ_MODEL_ENTITIES,
      poolSize: 20,
      applicationName: `immune-${SERVICE}`,
    });
    cleanups.push(() => ds.destroy());
    const sql = sqlRunnerOf(ds);
    const metrics = opts.metrics ?? new GatewayMetrics();
    // Also on <SERVICE>_METRICS_PORT like every service (the same registry is at GET /metrics of the API port).
    if (opts.metricsServer !== false) {
      try {
        const server = await startMetricsServer(metrics.registry, metricsPort(SERVICE, env));
        cleanups.push(() => server.close());
      } catch (e) {
        process.stderr.write(`${SERVICE}: metrics port not available (${e instanceof Error ? e.message : String(e)}); /metrics is still served on the API port\n`);
      }
    }

    const keys = new ApiKeyService(sql, names.pgSchema);
    for (const line of bootstrapBanner(await keys.bootstrap(env))) print(line);

    const idempotency = new IdempotencyStore(sql, names.pgSchema);
    const purge = setInterval(() => void idempotency.purgeExpired().catch(() => undefined), 60 * 60_000);
    purge.unref();
    cleanups.push(() => clearInterval(purge));

    const progress = new ProjectionProgress(nc, names, sql);
    progress.start();
    cleanups.push(() => progress.stop());

    const monitor = new HeartbeatMonitor(nc, names).start();
    cleanups.push(() => monitor.stop());
    const stopBeat = startHeartbeat(nc, names, SERVICE, `${hostname()}-${process.pid}`);
    cleanups.push(stopBeat);

    const commands = new CommandClient(nc, names, config.commandTimeoutMs, metrics.observeCommand);
    const agents = new AgentQueries(sql, names.pgSchema);
    const agentCommands = new AgentCommandHandler(commands, progress, agents);
    const liveFeed = new LiveFeed(natsFeedSource(nc, names), progress, {
      onError: (what, e) => process.stderr.write(`${SERVICE}: live feed ${what}: ${e instanceof Error ? e.message : String(e)}\n`),
    });
    cleanups.push(() => liveFeed.stop());
    const detectionConfig = new DetectionConfigStore(nc, names);
    const escalations = new EscalationQueries(sql, names.pgSchema);
    const posture = postureFrom(() => escalations.current());
    const ctx: GatewayContext = {
      config,
      names,
      nc,
      ds,
      sql,
      metrics,
      keys,
      idempotency,
      progress,
      commands,
      agentCommands,
      agents,
      quarantines: new QuarantineQueries(sql, names.pgSchema),
      terminateAll: new TerminateAllHandler(agents, agentCommands),
      healAll: new HealAllHandler(agents, agentCommands),
      decideAllApprovals: new DecideAllApprovalsHandler(agents, agentCommands),
      report: new ReportQueries(sql, names.pgSchema, agents, posture),
      events: new EventQueries(sql, names.pgSchema),
      verifier: new EventLogVerifier(() => verifyStream(nc, names)),
      readiness: new Readiness(nc, sql, (s, within) => monitor.seen(s, within), readyServices(env), posture),
      vitals: new VitalsIngestHandler(nc, names),
      liveFeed,
      detectionConfig,
      vitalsHistory: new VitalsHistoryQueries(nc, names, sql, async () => (await detectionConfig.get()).detection.effective.fleet['anomalySigma'] as number),
      escalations,
      escalationCommands: new EscalationCommandHandler(nc, names, progress, config.commandTimeoutMs, metrics.observeCommand),
      close: closeAll,
    };
    return ctx;
  } catch (e) {
    await closeAll();
    throw e;
  }
}
