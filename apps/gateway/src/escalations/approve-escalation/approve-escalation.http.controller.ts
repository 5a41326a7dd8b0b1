import { Controller, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ImmuneError, type EscalationView } from '@immune/contracts';
import { CurrentCaller, RequireRole } from '../../auth/auth.decorators';
import { validationError } from '../../common/problem';
import { parseIdempotencyKey } from '../../idempotency/idempotency.store';
import type { Caller } from '../../keys/api-key.service';
import { ApiProblems, ApiWrite } from '../../openapi/api-docs.decorators';
import { EscalationCommandHandler } from '../escalation-command.handler';
import { ESCALATION_ID_PATTERN, ESCALATION_VIEW_SCHEMA } from '../escalation.openapi';

@ApiTags('escalations')
@Controller('escalations')
export class ApproveEscalationHttpController {
  constructor(private readonly commands: EscalationCommandHandler) {}

  @Post(':escalationId/approve')
  @RequireRole('operator')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Approve a pending escalation',
    description:
      'Needs `operator`. Adds the key\'s name to the approvals; the same key twice counts once. At the quorum the escalation is ' +
      'raised (`status: active`). 404 ESCALATION.NOT_FOUND, 409 ESCALATION.NOT_PENDING, 422 ESCALATION.NO_PATH when the fleet ' +
      'has moved since the request.',
  })
  @ApiParam({ name: 'escalationId', schema: { type: 'string', pattern: ESCALATION_ID_PATTERN.source } })
  @ApiResponse({ status: 200, description: 'The escalation after the approval.', schema: ESCALATION_VIEW_SCHEMA })
  @ApiWrite()
  @ApiProblems(404)
  async run(@Param('escalationId') escalationId: string, @CurrentCaller() caller: Caller, @Headers('idempotency-key') idempotencyKey?: string): Promise<EscalationView> {
    if (!ESCALATION_ID_PATTERN.test(escalationId)) throw validationError([{ field: 'escalationId', messages: [`escalationId must match ${ESCALATION_ID_PATTERN.source}`] }]);
    const reply = await this.commands.send(caller, { type: 'ApproveEscalation', escalationId }, parseIdempotencyKey(idempotencyKey));
    if (!reply.escalation) throw new ImmuneError('ESCALATION.NOT_FOUND', 'Escalation not found', `There is no escalation "${escalationId}".`);
    return reply.escalation;
  }
}
