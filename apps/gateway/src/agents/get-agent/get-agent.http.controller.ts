import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ImmuneError, type AgentView } from '@immune/contracts';
import type { GatewayResponse } from '../../common/http-types';
import { etagOf } from '../../common/if-match';
import { ApiProblems, ApiRead, ref } from '../../openapi/api-docs.decorators';
import { AgentIdPipe } from '../agent-id.pipe';
import { AgentQueries } from '../agent.queries';
import { VitalsHistoryQueries } from '../../vitals/vitals-history.queries';

@ApiTags('agents')
@Controller('agents')
export class GetAgentHttpController {
  constructor(
    private readonly agents: AgentQueries,
    private readonly vitals: VitalsHistoryQueries,
  ) {}

  @Get(':agentId')
  @ApiOperation({ summary: 'One agent', description: 'Answers `ETag: "<version>"`; send it back as `If-Match` on writes. Needs `viewer`.' })
  @ApiParam({ name: 'agentId', schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$' } })
  @ApiOkResponse({ schema: ref('AgentView'), headers: { ETag: { description: 'The agent version, quoted.', schema: { type: 'string' } } } })
  @ApiRead()
  @ApiProblems(404)
  async get(@Param('agentId', AgentIdPipe) agentId: string, @Res({ passthrough: true }) res: GatewayResponse): Promise<AgentView> {
    const [view, overlay] = await Promise.all([this.agents.get(agentId), this.vitals.overlay(agentId).catch(() => null)]);
    if (!view) throw new ImmuneError('AGENT.NOT_FOUND', 'Agent not found', `agent "${agentId}" is not registered`);
    res.setHeader('ETag', etagOf(view.version));
    // `baseline` and `lastVitalAt` are not in the event log: the sentinel's baseline and telemetry's history, read now.
    if (overlay) return { ...view, baseline: overlay.baseline as unknown as Record<string, unknown> | null, lastVitalAt: overlay.lastVitalAt };
    return view;
  }
}
