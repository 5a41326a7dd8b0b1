import { Body, Controller, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { DeescalateRequestDto, ImmuneError, type EscalationView } from '@immune/contracts';
import { CurrentCaller, RequireRole } from '../../auth/auth.decorators';
import { validationError } from '../../common/problem';
import { parseIdempotencyKey } from '../../idempotency/idempotency.store';
import type { Caller } from '../../keys/api-key.service';
import { ApiProblems, ApiWrite } from '../../openapi/api-docs.decorators';
import { EscalationCommandHandler } from '../escalation-command.handler';
import { ESCALATION_ID_PATTERN, ESCALATION_VIEW_SCHEMA } from '../escalation.openapi';

@ApiTags('escalations')
@Controller('escalations')
export class DeescalateEscalationHttpController {
  constructor(private readonly commands: EscalationCommandHandler) {}

  @Post(':escalationId/deescalate')
  @RequireRole('operator')
  @HttpCode(200)
  @ApiOperation({
    summary: 'De-escalate (or withdraw a pending escalation)',
    description:
      'Needs `operator`. One step at a time: only the top active escalation (422 ESCALATION.NO_PATH otherwise); the posture returns ' +
      'to the one below it, or to the resting posture. An irreversible escalation (sovereign) ends only by `sovereign_revoke` from ' +
      'an admin (409 ESCALATION.IRREVERSIBLE). `timeout_expired` is recorded by the timers only. 409 ESCALATION.NOT_ACTIVE.',
  })
  @ApiParam({ name: 'escalationId', schema: { type: 'string', pattern: ESCALATION_ID_PATTERN.source } })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['type', 'reason'],
      properties: { type: { type: 'string', enum: ['threat_resolved', 'operator_release', 'crisis_concluded', 'sovereign_revoke'] }, reason: { type: 'string', maxLength: 2000 } },
    },
  })
  @ApiResponse({ status: 200, description: 'The ended escalation.', schema: ESCALATION_VIEW_SCHEMA })
  @ApiWrite()
  @ApiProblems(404)
  async run(
    @Param('escalationId') escalationId: string,
    @Body() body: DeescalateRequestDto,
    @CurrentCaller() caller: Caller,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<EscalationView> {
    if (!ESCALATION_ID_PATTERN.test(escalationId)) throw validationError([{ field: 'escalationId', messages: [`escalationId must match ${ESCALATION_ID_PATTERN.source}`] }]);
    const reply = await this.commands.send(caller, { type: 'DeescalateEscalation', escalationId, deescalationType: body.type, reason: body.reason }, parseIdempotencyKey(idempotencyKey));
    if (!reply.escalation) throw new ImmuneError('ESCALATION.NOT_FOUND', 'Escalation not found', `There is no escalation "${escalationId}".`);
    return reply.escalation;
  }
}
