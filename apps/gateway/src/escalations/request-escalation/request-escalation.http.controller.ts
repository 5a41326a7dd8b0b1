import { Body, Controller, Headers, HttpCode, Post, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ImmuneError, RequestEscalationRequestDto, profileRank } from '@immune/contracts';
import { newId } from '@immune/platform-runtime';
import { CurrentCaller, RequireRole } from '../../auth/auth.decorators';
import type { GatewayResponse } from '../../common/http-types';
import { parseIdempotencyKey } from '../../idempotency/idempotency.store';
import type { Caller } from '../../keys/api-key.service';
import { ApiProblems, ApiWrite } from '../../openapi/api-docs.decorators';
import { EscalationCommandHandler } from '../escalation-command.handler';
import { ESCALATION_VIEW_SCHEMA } from '../escalation.openapi';

export type RequestEscalationAnswer =
  | { escalationId: string; fromProfile: string; toProfile: string; reversible: boolean; expiresAt: string | null; hash: string; status: string }
  | { escalationId: string; approvalRequired: true; approvals: string[]; approvalsRequired: number; status: string };

@ApiTags('escalations')
@Controller('escalations')
export class RequestEscalationHttpController {
  constructor(private readonly commands: EscalationCommandHandler) {}

  @Post()
  @RequireRole('operator')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Escalate the fleet posture one step',
    description:
      'Needs `operator`; `admin` to phoenix and above (403 ESCALATION.REQUIRES_ADMIN). One step above the current profile only, ' +
      'anything else 422 ESCALATION.NO_PATH. 201 with the raised escalation; 202 `{approvalRequired: true}` when the step needs a ' +
      'quorum (guardian → phoenix: 2 distinct keys, the requester\'s counting as the first). `ttlSeconds` overrides the policy TTL; ' +
      'phoenix → sovereign is irreversible (no TTL).',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['toProfile', 'type', 'reason'],
      properties: {
        toProfile: { type: 'string', enum: ['operator', 'guardian', 'phoenix', 'sovereign'] },
        type: { type: 'string', enum: ['threat_detected', 'operator_request', 'crisis_declared', 'quorum_approved', 'sovereign_override'] },
        reason: { type: 'string', maxLength: 2000 },
        ttlSeconds: { type: 'integer', minimum: 1, maximum: 2592000 },
      },
    },
  })
  @ApiResponse({ status: 201, description: 'Raised: `{escalationId, fromProfile, toProfile, reversible, expiresAt, hash}`.' })
  @ApiResponse({ status: 202, description: 'Waiting for approvals: `{escalationId, approvalRequired: true}`.', schema: ESCALATION_VIEW_SCHEMA })
  @ApiWrite()
  @ApiProblems(422)
  async run(
    @Body() body: RequestEscalationRequestDto,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) res: GatewayResponse,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<RequestEscalationAnswer> {
    if (profileRank(body.toProfile) >= profileRank('phoenix') && caller.role !== 'admin') {
      throw new ImmuneError('ESCALATION.REQUIRES_ADMIN', 'Admin required', `Escalating to ${body.toProfile} needs an admin key.`);
    }
    const key = parseIdempotencyKey(idempotencyKey);
    const escalationId = newId();
    const reply = await this.commands.send(
      caller,
      { type: 'RequestEscalation', escalationId, toProfile: body.toProfile, escalationType: body.type, reason: body.reason, ...(body.ttlSeconds !== undefined ? { ttlSeconds: body.ttlSeconds } : {}) },
      key,
    );
    const e = reply.escalation;
    if (!e) throw new ImmuneError('INTERNAL', 'Internal error', 'The escalation service did not answer the escalation.');
    if (e.status === 'pending') {
      res.status(202);
      return { escalationId: e.escalationId, approvalRequired: true, approvals: e.approvals, approvalsRequired: e.approvalsRequired, status: e.status };
    }
    return { escalationId: e.escalationId, fromProfile: e.fromProfile, toProfile: e.toProfile, reversible: e.reversible, expiresAt: e.expiresAt, hash: e.hash, status: e.status };
  }
}
