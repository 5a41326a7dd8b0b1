import { Body, Controller, Headers, HttpCode, Put } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ChangeBaselineRequestDto, type PostureView } from '@immune/contracts';
import { CurrentCaller, RequireRole } from '../../auth/auth.decorators';
import { EscalationCommandHandler } from '../../escalations/escalation-command.handler';
import { POSTURE_VIEW_SCHEMA } from '../../escalations/escalation.openapi';
import { EscalationQueries } from '../../escalations/escalation.queries';
import { parseIdempotencyKey } from '../../idempotency/idempotency.store';
import type { Caller } from '../../keys/api-key.service';
import { ApiWrite } from '../../openapi/api-docs.decorators';
import { ApiOkResponse } from '@nestjs/swagger';

@ApiTags('posture')
@Controller('posture')
export class ChangeBaselineHttpController {
  constructor(
    private readonly commands: EscalationCommandHandler,
    private readonly escalations: EscalationQueries,
  ) {}

  @Put('baseline')
  @RequireRole('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Set the resting posture',
    description: 'Needs `admin`. `observer` = observe mode: detect and record, enforce nothing; `operator` = normal enforcement. Escalations stay above it.',
  })
  @ApiBody({ schema: { type: 'object', required: ['profile', 'reason'], properties: { profile: { type: 'string', enum: ['observer', 'operator'] }, reason: { type: 'string', maxLength: 2000 } } } })
  @ApiOkResponse({ schema: POSTURE_VIEW_SCHEMA })
  @ApiWrite()
  async run(@Body() body: ChangeBaselineRequestDto, @CurrentCaller() caller: Caller, @Headers('idempotency-key') idempotencyKey?: string): Promise<PostureView> {
    await this.commands.send(caller, { type: 'ChangePostureBaseline', profile: body.profile, reason: body.reason }, parseIdempotencyKey(idempotencyKey));
    return this.escalations.posture();
  }
}
