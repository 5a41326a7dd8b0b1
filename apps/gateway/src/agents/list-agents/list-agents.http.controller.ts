import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AGENT_STATUSES, REASON_CODES, SEVERITIES, type AgentView, type ListPage } from '@immune/contracts';
import { parseEnum, parseLimit, parseText } from '../../common/cursor';
import { ApiRead, listOf } from '../../openapi/api-docs.decorators';
import { AgentQueries } from '../agent.queries';

@ApiTags('agents')
@Controller('agents')
export class ListAgentsHttpController {
  constructor(private readonly agents: AgentQueries) {}

  @Get()
  @ApiOperation({
    summary: 'List agents',
    description:
      'Agents in `agentId` ascending order (a stable order: byte-wise on the id). `limit` defaults to 50, at most 500; ' +
      'pass the answer\'s `nextCursor` as `cursor` for the next page (opaque, base64 of the last agentId). ' +
      '`total` counts every agent matching the filters. Needs `viewer`.',
  })
  @ApiQuery({ name: 'status', required: false, enum: AGENT_STATUSES })
  @ApiQuery({ name: 'severity', required: false, enum: SEVERITIES, description: 'Severity of the current quarantine.' })
  @ApiQuery({ name: 'source', required: false, description: 'Source of the current quarantine.' })
  @ApiQuery({ name: 'reasonCode', required: false, enum: REASON_CODES })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiOkResponse({ schema: listOf('AgentView') })
  @ApiRead()
  list(
    @Query('status') status?: string,
    @Query('severity') severity?: string,
    @Query('source') source?: string,
    @Query('reasonCode') reasonCode?: string,
    @Query('limit') limit?: string,
    @Query('cursor') cursor?: string,
  ): Promise<ListPage<AgentView>> {
    const filter = {
      status: parseEnum('status', status, AGENT_STATUSES),
      severity: parseEnum('severity', severity, SEVERITIES),
      source: parseText('source', source, 128),
      reasonCode: parseEnum('reasonCode', reasonCode, REASON_CODES),
    };
    return this.agents.list(stripUndefined(filter), parseLimit(limit), parseText('cursor', cursor, 1024));
  }
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
