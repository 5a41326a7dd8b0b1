import { Body, Controller, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AddNoteRequestDto, type AgentView } from '@immune/contracts';
import { newId } from '@immune/platform-runtime';
import { CurrentCaller, RequireRole } from '../../auth/auth.decorators';
import type { GatewayResponse } from '../../common/http-types';
import { AgentCommandHandler } from '../../commands/agent-command.handler';
import type { Caller } from '../../keys/api-key.service';
import { ApiAgentWrite, ApiJsonBody, ref } from '../../openapi/api-docs.decorators';
import { AgentIdPipe } from '../agent-id.pipe';
import { writeAgent } from '../agent-write';

@ApiTags('agents')
@Controller('agents')
export class AddNoteHttpController {
  constructor(private readonly commands: AgentCommandHandler) {}

  @Post(':agentId/notes')
  @RequireRole('operator')
  @HttpCode(201)
  @ApiOperation({ summary: 'Add a note to the current quarantine', description: 'Needs `operator`. 409 QUARANTINE.NOT_ACTIVE when the agent is not quarantined.' })
  @ApiParam({ name: 'agentId', schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$' } })
  @ApiJsonBody('AddNoteRequest')
  @ApiResponse({ status: 201, description: 'The agent as reads now show it (read-your-writes), with its new ETag.', schema: ref('AgentView') })
  @ApiAgentWrite()
  run(
    @Param('agentId', AgentIdPipe) agentId: string,
    @Body() body: AddNoteRequestDto,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) res: GatewayResponse,
    @Headers('if-match') ifMatch?: string,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<AgentView> {
    return writeAgent(this.commands, res, agentId, caller, { type: 'AddQuarantineNote', noteId: newId(), note: body.note }, { ifMatch, idempotencyKey });
  }
}
