import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ImmuneError, type AgentView } from '@immune/contracts';
import type { GatewayResponse } from '../../common/http-types';
import { etagOf } from '../../common/if-match';
import { ApiProblems, ApiRead, ref } from '../../openapi/api-docs.decorators';
import { AgentIdPipe } from '../agent-id.pipe';
import { AgentQueries } from '../agent.queries';

@ApiTags('agents')
@Controller('agents')
export class GetAgentHttpController {
  constructor(private readonly agents: AgentQueries) {}

  @Get(':agentId')
  @ApiOperation({ summary: 'One agent', description: 'Answers `ETag: "<version>"`; send it back as `If-Match` on writes. Needs `viewer`.' })
  @ApiParam({ name: 'agentId', schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$' } })
  @ApiOkResponse({ schema: ref('AgentView'), headers: { ETag: { description: 'The agent version, quoted.', schema: { type: 'string' } } } })
  @ApiRead()
  @ApiProblems(404)
  async get(@Param('agentId', AgentIdPipe) agentId: string, @Res({ passthrough: true }) res: GatewayResponse): Promise<AgentView> {
    const view = await this.agents.get(agentId);
    if (!view) throw new ImmuneError('AGENT.NOT_FOUND', 'Agent not found', `agent "${agentId}" is not registered`);
    res.setHeader('ETag', etagOf(view.version));
    return view;
  }
}
