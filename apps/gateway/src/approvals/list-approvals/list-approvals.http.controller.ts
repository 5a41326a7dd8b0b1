import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { AgentView, ApprovalState, ListPage } from '@immune/contracts';
import { AgentQueries } from '../../agents/agent.queries';
import { parseEnum, parseLimit, parseText } from '../../common/cursor';
import { ApiRead, listOf } from '../../openapi/api-docs.decorators';

/** The approval states an operator lists: waiting for a decision, or refused and waiting for heal-now. */
export const APPROVAL_LIST_STATES: readonly ApprovalState[] = ['pending', 'rejected'];

@ApiTags('approvals')
@Controller('approvals')
export class ListApprovalsHttpController {
  constructor(private readonly agents: AgentQueries) {}

  @Get()
  @ApiOperation({
    summary: 'List agents by the approval state of their quarantine',
    description:
      'Quarantined agents whose current quarantine has `approval` = `state` (default `pending`: waiting for an operator to ' +
      'approve or reject healing; `rejected`: waiting for heal-now), as AgentView in `agentId` ascending order. `limit` ' +
      'defaults to 50, at most 500; pass `nextCursor` as `cursor` for the next page. Needs `viewer`.',
  })
  @ApiQuery({ name: 'state', required: false, enum: APPROVAL_LIST_STATES, description: 'Default pending.' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiOkResponse({ schema: listOf('AgentView') })
  @ApiRead()
  list(@Query('state') state?: string, @Query('limit') limit?: string, @Query('cursor') cursor?: string): Promise<ListPage<AgentView>> {
    const approval = parseEnum('state', state, APPROVAL_LIST_STATES) ?? 'pending';
    return this.agents.list({ approval }, parseLimit(limit), parseText('cursor', cursor, 1024));
  }
}
