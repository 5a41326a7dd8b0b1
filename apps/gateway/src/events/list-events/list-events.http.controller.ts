import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AGENT_ID_PATTERN, type EventView, type ListPage } from '@immune/contracts';
import { parseEnum, parseLimit, parseSeq, parseText } from '../../common/cursor';
import { validationError } from '../../common/problem';
import { ApiRead, listOf } from '../../openapi/api-docs.decorators';
import { EventQueries, type EventFilter } from '../event.queries';

const AGGREGATES = ['agent', 'escalation', 'posture', 'checkpoint'] as const;

@ApiTags('audit')
@Controller('events')
export class ListEventsHttpController {
  constructor(private readonly events: EventQueries) {}

  @Get()
  @ApiOperation({
    summary: 'The event log (audit trail)',
    description:
      'Events in stream order (`seq` ascending). `after` (or `cursor`, the previous page\'s `nextCursor`, which is the last `seq`) ' +
      'starts after that sequence. `limit` defaults to 50, at most 500. Needs `viewer`.',
  })
  @ApiQuery({ name: 'agentId', required: false })
  @ApiQuery({ name: 'aggregate', required: false, enum: AGGREGATES })
  @ApiQuery({ name: 'type', required: false, description: 'Event type, e.g. AgentQuarantined.' })
  @ApiQuery({ name: 'after', required: false, schema: { type: 'integer', minimum: 0 } })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } })
  @ApiOkResponse({ schema: listOf('EventView') })
  @ApiRead()
  list(
    @Query('agentId') agentId?: string,
    @Query('aggregate') aggregate?: string,
    @Query('type') type?: string,
    @Query('after') after?: string,
    @Query('cursor') cursor?: string,
    @Query('limit') limit?: string,
  ): Promise<ListPage<EventView>> {
    const filter: EventFilter = {};
    const id = parseText('agentId', agentId, 128);
    if (id !== undefined) {
      if (!AGENT_ID_PATTERN.test(id)) throw validationError([{ field: 'agentId', messages: ['agentId must match [A-Za-z0-9_-]{1,128}'] }]);
      filter.agentId = id;
    }
    const agg = parseEnum('aggregate', aggregate, AGGREGATES);
    if (agg !== undefined) filter.aggregate = agg;
    const t = parseText('type', type, 128);
    if (t !== undefined) filter.type = t;
    const from = Math.max(parseSeq('after', after) ?? 0, parseSeq('cursor', cursor) ?? 0);
    if (from > 0) filter.after = from;
    return this.events.list(filter, parseLimit(limit));
  }
}
