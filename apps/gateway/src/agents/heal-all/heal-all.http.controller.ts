import { Body, Controller, Headers, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealingDecisionRequestDto } from '@immune/contracts';
import { CurrentCaller, RequireRole } from '../../auth/auth.decorators';
import { parseIdempotencyKey } from '../../idempotency/idempotency.store';
import type { Caller } from '../../keys/api-key.service';
import { ApiWrite, ref } from '../../openapi/api-docs.decorators';
import { HealAllHandler, type HealAllResult } from './heal-all.handler';

// A fixed path with no parameter: `POST /agents/:agentId/...` routes have one more segment and never match it.
@ApiTags('agents')
@Controller('agents')
export class HealAllHttpController {
  constructor(private readonly handler: HealAllHandler) {}

  @Post('heal-all')
  @RequireRole('operator')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Heal now every quarantined agent that waits for it',
    description:
      'Needs `operator`. Sends heal-now (as `POST /agents/{id}/heal`) for every quarantined agent that waits for an operator ' +
      'to say so: manual quarantines not yet asked to heal, and quarantines whose approval was rejected. Quarantines pending ' +
      'approval are left alone (use `POST /approvals/approve-all`); automatic and approved ones heal already. Answers once ' +
      'the read models show the requests; agents that refused are listed in `failed` with their error code.',
  })
  @ApiBody({ schema: ref('HealingDecisionRequest'), required: false })
  @ApiOkResponse({ schema: ref('HealAllResult') })
  @ApiWrite()
  run(
    @Body() body: HealingDecisionRequestDto,
    @CurrentCaller() caller: Caller,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<HealAllResult> {
    return this.handler.execute(caller, body?.reason ?? null, parseIdempotencyKey(idempotencyKey));
  }
}
