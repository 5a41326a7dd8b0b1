import { Body, Controller, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { HealingDecisionRequestDto, type AgentView } from '@immune/contracts';
import { CurrentCaller, RequireRole } from '../../auth/auth.decorators';
import { AgentCommandHandler } from '../../commands/agent-command.handler';
import type { GatewayResponse } from '../../common/http-types';
import type { Caller } from '../../keys/api-key.service';
import { ApiAgentWrite, ref } from '../../openapi/api-docs.decorators';
import { AgentIdPipe } from '../agent-id.pipe';
import { writeAgent } from '../agent-write';

@ApiTags('agents')
@Controller('agents')
export class HealAgentHttpController {
  constructor(private readonly commands: AgentCommandHandler) {}

  @Post(':agentId/heal')
  @RequireRole('operator')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Heal a quarantined agent now',
    description:
      'Needs `operator`. Records the decision that healing of the current quarantine starts now (a `HealingRequested` event), ' +
      'whatever its approval: this is how a manual quarantine is healed, and how a rejected one leaves its wait. A pending or ' +
      'rejected approval becomes `approved`; `healRequestedAt` shows when it was asked. 409 QUARANTINE.NOT_ACTIVE when the ' +
      'agent is not quarantined.',
  })
  @ApiParam({ name: 'agentId', schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$' } })
  @ApiBody({ schema: ref('HealingDecisionRequest'), required: false })
  @ApiResponse({ status: 200, description: 'The agent as reads now show it (read-your-writes), with its new ETag.', schema: ref('AgentView') })
  @ApiAgentWrite()
  run(
    @Param('agentId', AgentIdPipe) agentId: string,
    @Body() body: HealingDecisionRequestDto,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) res: GatewayResponse,
    @Headers('if-match') ifMatch?: string,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<AgentView> {
    return writeAgent(this.commands, res, agentId, caller, { type: 'RequestHealing', reason: body?.reason ?? null }, { ifMatch, idempotencyKey });
  }
}
