import { Body, Controller, Headers, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentCaller, RequireRole } from '../../auth/auth.decorators';
import { parseIdempotencyKey } from '../../idempotency/idempotency.store';
import type { Caller } from '../../keys/api-key.service';
import { ApiWrite, ref } from '../../openapi/api-docs.decorators';
import { TerminateAllHandler, type TerminateAllResult } from './terminate-all.handler';
import { TerminateAllRequestDto } from './terminate-all.request.dto';

@ApiTags('quarantines')
@Controller('quarantines')
export class TerminateAllHttpController {
  constructor(private readonly handler: TerminateAllHandler) {}

  @Post('terminate-all')
  @RequireRole('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Terminate every quarantined agent',
    description:
      'Needs `admin`. Sends a TerminateAgent for each agent under an active quarantine and answers once the read models show ' +
      'the terminations; agents that refused are listed in `failed` with their error code.',
  })
  @ApiBody({ schema: ref('TerminateAllRequest'), required: false })
  @ApiOkResponse({ schema: ref('TerminateAllResult') })
  @ApiWrite()
  run(
    @Body() body: TerminateAllRequestDto,
    @CurrentCaller() caller: Caller,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<TerminateAllResult> {
    return this.handler.execute(caller, body?.resolution ?? 'terminate-all', parseIdempotencyKey(idempotencyKey));
  }
}
