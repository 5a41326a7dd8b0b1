import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { immuneLoggerModule } from '@immune/platform-nest';
import { AddNoteHttpController } from './agents/add-note/add-note.http.controller';
import { AgentQueries } from './agents/agent.queries';
import { EscalateAgentHttpController } from './agents/escalate-agent/escalate-agent.http.controller';
import { GetAgentHttpController } from './agents/get-agent/get-agent.http.controller';
import { HealAgentHttpController } from './agents/heal-agent/heal-agent.http.controller';
import { HealAllHandler } from './agents/heal-all/heal-all.handler';
import { HealAllHttpController } from './agents/heal-all/heal-all.http.controller';
import { ListAgentsHttpController } from './agents/list-agents/list-agents.http.controller';
import { QuarantineAgentHttpController } from './agents/quarantine-agent/quarantine-agent.http.controller';
import { ReleaseAgentHttpController } from './agents/release-agent/release-agent.http.controller';
import { TerminateAgentHttpController } from './agents/terminate-agent/terminate-agent.http.controller';
import { ApproveAllHttpController } from './approvals/approve-all/approve-all.http.controller';
import { ApproveHealingHttpController } from './approvals/approve-healing/approve-healing.http.controller';
import { DecideAllApprovalsHandler } from './approvals/decide-all.handler';
import { ListApprovalsHttpController } from './approvals/list-approvals/list-approvals.http.controller';
import { RejectAllHttpController } from './approvals/reject-all/reject-all.http.controller';
import { RejectHealingHttpController } from './approvals/reject-healing/reject-healing.http.controller';
import { ApiKeyGuard } from './auth/api-key.guard';
import { AgentCommandHandler } from './commands/agent-command.handler';
import { ProblemExceptionFilter } from './common/problem.filter';
import { createValidationPipe } from './common/validation.pipe';
import { DetectionConfigStore } from './config/detection-config.store';
import { GetConfigHttpController } from './config/get-config/get-config.http.controller';
import { PutDetectionConfigHttpController } from './config/put-detection-config/put-detection-config.http.controller';
import { GetAgentVitalsHttpController } from './vitals/get-agent-vitals/get-agent-vitals.http.controller';
import { VitalsHistoryQueries } from './vitals/vitals-history.queries';
import { DashboardHttpController } from './dashboard/dashboard.http.controller';
import { EventQueries } from './events/event.queries';
import { ListEventsHttpController } from './events/list-events/list-events.http.controller';
import { EventLogVerifier } from './events/verify-events/event-log.verifier';
import { VerifyEventsHttpController } from './events/verify-events/verify-events.http.controller';
import type { GatewayContext } from './gateway.context';
import { SERVICE } from './service-name';
import { LiveFeed } from './stream/live-feed';
import { LiveStreamHttpController } from './stream/live-stream.http.controller';
import { HealingQueries } from './healing/healing.queries';
import { ListHealingLogHttpController } from './healing/list-healing-log/list-healing-log.http.controller';
import { ListHealingPatternsHttpController } from './healing/list-healing-patterns/list-healing-patterns.http.controller';
import { HealthHttpController } from './health/health.http.controller';
import { Readiness } from './health/readiness.service';
import { IdempotencyInterceptor } from './idempotency/idempotency.interceptor';
import { IdempotencyStore } from './idempotency/idempotency.store';
import { ApiKeyService } from './keys/api-key.service';
import { CreateKeyHttpController } from './keys/create-key/create-key.http.controller';
import { DeleteKeyHttpController } from './keys/delete-key/delete-key.http.controller';
import { ListKeysHttpController } from './keys/list-keys/list-keys.http.controller';
import { WhoAmIHttpController } from './keys/who-am-i/who-am-i.http.controller';
import { GatewayMetrics } from './metrics/gateway.metrics';
import { MetricsHttpController } from './metrics/metrics.http.controller';
import { ListQuarantinesHttpController } from './quarantines/list-quarantines/list-quarantines.http.controller';
import { QuarantineQueries } from './quarantines/quarantine.queries';
import { TerminateAllHandler } from './quarantines/terminate-all/terminate-all.handler';
import { TerminateAllHttpController } from './quarantines/terminate-all/terminate-all.http.controller';
import { GetReportHttpController } from './report/get-report/get-report.http.controller';
import { ApproveEscalationHttpController } from './escalations/approve-escalation/approve-escalation.http.controller';
import { DeescalateEscalationHttpController } from './escalations/deescalate-escalation/deescalate-escalation.http.controller';
import { EscalationCommandHandler } from './escalations/escalation-command.handler';
import { EscalationHistoryHttpController } from './escalations/escalation-history/escalation-history.http.controller';
import { EscalationQueries } from './escalations/escalation.queries';
import { GetEscalationHttpController } from './escalations/get-escalation/get-escalation.http.controller';
import { ListEscalationsHttpController } from './escalations/list-escalations/list-escalations.http.controller';
import { RequestEscalationHttpController } from './escalations/request-escalation/request-escalation.http.controller';
import { ChangeBaselineHttpController } from './posture/change-baseline/change-baseline.http.controller';
import { GetPostureHttpController } from './posture/get-posture/get-posture.http.controller';
import { ReportQueries } from './report/report.queries';
import { IngestVitalsHttpController } from './vitals/ingest-vitals/ingest-vitals.http.controller';
import { VitalsIngestHandler } from './vitals/vitals-ingest.handler';

export const GATEWAY_CONTEXT = Symbol('GATEWAY_CONTEXT');

/** Closes NATS, PostgreSQL and timers after the HTTP server has stopped. */
class GatewayShutdown implements OnApplicationShutdown {
  constructor(@Inject(GATEWAY_CONTEXT) private readonly ctx: GatewayContext) {}

  onApplicationShutdown(): Promise<void> {
    return this.ctx.close();
  }
}

/** The Nest edge: controllers, the global guard, filter, pipe and interceptor, and the context's instances. */
@Module({})
export class AppModule {
  static forRoot(ctx: GatewayContext): DynamicModule {
    return {
      module: AppModule,
      imports: [immuneLoggerModule(SERVICE)],
      controllers: [
        HealthHttpController,
        MetricsHttpController,
        DashboardHttpController,
        WhoAmIHttpController,
        ListKeysHttpController,
        CreateKeyHttpController,
        DeleteKeyHttpController,
        ListAgentsHttpController,
        // Fixed paths before the `:agentId` ones (they never overlap today: kept first so they cannot be shadowed).
        HealAllHttpController,
        GetAgentHttpController,
        QuarantineAgentHttpController,
        ReleaseAgentHttpController,
        EscalateAgentHttpController,
        TerminateAgentHttpController,
        AddNoteHttpController,
        HealAgentHttpController,
        ListApprovalsHttpController,
        ApproveAllHttpController,
        RejectAllHttpController,
        ApproveHealingHttpController,
        RejectHealingHttpController,
        ListQuarantinesHttpController,
        TerminateAllHttpController,
        GetReportHttpController,
        ListHealingLogHttpController,
        ListHealingPatternsHttpController,
        GetPostureHttpController,
        ChangeBaselineHttpController,
        // `history` before `:escalationId`.
        ListEscalationsHttpController,
        EscalationHistoryHttpController,
        GetEscalationHttpController,
        RequestEscalationHttpController,
        ApproveEscalationHttpController,
        DeescalateEscalationHttpController,
        ListEventsHttpController,
        VerifyEventsHttpController,
        IngestVitalsHttpController,
        GetConfigHttpController,
        PutDetectionConfigHttpController,
        GetAgentVitalsHttpController,
        LiveStreamHttpController,
      ],
      providers: [
        { provide: GATEWAY_CONTEXT, useValue: ctx },
        GatewayShutdown,
        { provide: GatewayMetrics, useValue: ctx.metrics },
        { provide: ApiKeyService, useValue: ctx.keys },
        { provide: IdempotencyStore, useValue: ctx.idempotency },
        { provide: AgentCommandHandler, useValue: ctx.agentCommands },
        { provide: AgentQueries, useValue: ctx.agents },
        { provide: TerminateAllHandler, useValue: ctx.terminateAll },
        { provide: HealAllHandler, useValue: ctx.healAll },
        { provide: DecideAllApprovalsHandler, useValue: ctx.decideAllApprovals },
        { provide: ReportQueries, useValue: ctx.report },
        { provide: EscalationQueries, useValue: ctx.escalations },
        { provide: EscalationCommandHandler, useValue: ctx.escalationCommands },
        { provide: EventQueries, useValue: ctx.events },
        { provide: EventLogVerifier, useValue: ctx.verifier },
        { provide: Readiness, useValue: ctx.readiness },
        { provide: QuarantineQueries, useValue: ctx.quarantines },
        { provide: HealingQueries, useValue: new HealingQueries(ctx.sql, ctx.names.pgSchema) },
        { provide: VitalsIngestHandler, useValue: ctx.vitals },
        { provide: DetectionConfigStore, useValue: ctx.detectionConfig },
        { provide: VitalsHistoryQueries, useValue: ctx.vitalsHistory },
        { provide: LiveFeed, useValue: ctx.liveFeed },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_FILTER, useClass: ProblemExceptionFilter },
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
    };
  }
}
