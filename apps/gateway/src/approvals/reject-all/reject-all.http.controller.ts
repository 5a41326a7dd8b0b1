import { Body, Controller, Headers, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealingDecisionRequestDto } from '@immune/contracts';
import { CurrentCaller, RequireRole } from '../../auth/auth.decorators';
import { parseIdempotencyKey } from '../../idempotency/idempotency.store';
import type { Caller } from '../../keys/api-key.service';
import { ApiWrite, ref } from '../../openapi/api-docs.decorators';
import { DecideAllApprovalsHandler, type RejectAllResult } from '../decide-all.handler';

@ApiTags('approvals')
@Controller('approvals')
export class RejectAllHttpController {
  constructor(private readonly handler: DecideAllApprovalsHandler) {}

  @Post('reject-all')
  @RequireRole('operator')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Reject healing of every agent pending approval',
    description:
      'Needs `operator`. Rejects (as `POST /approvals/{agentId}/reject`) every quarantine with `approval: pending`: those agents ' +
      'stay quarantined until heal-now. Answers once the read models show it; agents that refused are listed in `failed`.',
  })
  @ApiBody({ schema: ref('HealingDecisionRequest'), required: false })
  @ApiOkResponse({ schema: ref('RejectAllResult') })
  @ApiWrite()
  run(
    @Body() body: HealingDecisionRequestDto,
    @CurrentCaller() caller: Caller,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<RejectAllResult> {
    return this.handler.rejectAll(caller, body?.reason ?? null, parseIdempotencyKey(idempotencyKey));
  }
}
