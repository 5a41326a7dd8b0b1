import { Body, Controller, Headers, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealingDecisionRequestDto } from '@immune/contracts';
import { CurrentCaller, RequireRole } from '../../auth/auth.decorators';
import { parseIdempotencyKey } from '../../idempotency/idempotency.store';
import type { Caller } from '../../keys/api-key.service';
import { ApiWrite, ref } from '../../openapi/api-docs.decorators';
import { DecideAllApprovalsHandler, type ApproveAllResult } from '../decide-all.handler';

@ApiTags('approvals')
@Controller('approvals')
export class ApproveAllHttpController {
  constructor(private readonly handler: DecideAllApprovalsHandler) {}

  @Post('approve-all')
  @RequireRole('operator')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Approve healing of every agent pending approval',
    description:
      'Needs `operator`. Approves (as `POST /approvals/{agentId}/approve`) every quarantine with `approval: pending` and answers ' +
      'once the read models show it; agents that refused (e.g. settled in between: APPROVAL.NOT_PENDING) are listed in `failed`.',
  })
  @ApiBody({ schema: ref('HealingDecisionRequest'), required: false })
  @ApiOkResponse({ schema: ref('ApproveAllResult') })
  @ApiWrite()
  run(
    @Body() body: HealingDecisionRequestDto,
    @CurrentCaller() caller: Caller,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<ApproveAllResult> {
    return this.handler.approveAll(caller, body?.reason ?? null, parseIdempotencyKey(idempotencyKey));
  }
}
