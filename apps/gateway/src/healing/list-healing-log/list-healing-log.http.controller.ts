import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AGENT_ID_PATTERN, HEALING_ACTIONS, HEALING_LOG_OUTCOMES, type HealingLogEntryView, type ListPage } from '@immune/contracts';
import { parseLimit, parseSeq, parseText } from '../../common/cursor';
import { validationError } from '../../common/problem';
import { ApiRead } from '../../openapi/api-docs.decorators';
import { HealingQueries, type HealingLogFilter } from '../healing.queries';

const ENTRY_SCHEMA = {
  type: 'object',
  required: ['seq', 'agentId', 'healingId', 'quarantineId', 'type', 'outcome', 'diagnosis', 'action', 'attempt', 'reason', 'detail', 'occurredAt'],
  properties: {
    seq: { type: 'integer', description: 'Stream sequence of the healing event.' },
    agentId: { type: 'string' },
    healingId: { type: 'string' },
    quarantineId: { type: 'string' },
    type: { type: 'string', example: 'HealingActionSucceeded' },
    outcome: { type: 'string', enum: [...HEALING_LOG_OUTCOMES] },
    diagnosis: { type: 'string', example: 'prompt_drift' },
    action: { type: 'string', enum: [...HEALING_ACTIONS], nullable: true },
    attempt: { type: 'integer', nullable: true },
    reason: { type: 'string', nullable: true, description: 'Trigger (started), failure reason (failed) or escalation (exhausted).' },
    detail: { type: 'string', nullable: true },
    occurredAt: { type: 'string', format: 'date-time' },
  },
};

@ApiTags('healing')
@Controller('healing')
export class ListHealingLogHttpController {
  constructor(private readonly healing: HealingQueries) {}

  @Get('log')
  @ApiOperation({
    summary: 'The healing log (immune memory)',
    description:
      'Every healing event — started, probation, succeeded, failed, exhausted — newest first (stream sequence descending). ' +
      '`cursor` is the previous page\'s `nextCursor`. `limit` defaults to 50, at most 500. Needs `viewer`.',
  })
  @ApiQuery({ name: 'agentId', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } })
  @ApiOkResponse({ schema: { type: 'object', required: ['items', 'total', 'nextCursor'], properties: { items: { type: 'array', items: ENTRY_SCHEMA }, total: { type: 'integer' }, nextCursor: { type: 'string', nullable: true } } } })
  @ApiRead()
  list(@Query('agentId') agentId?: string, @Query('cursor') cursor?: string, @Query('limit') limit?: string): Promise<ListPage<HealingLogEntryView>> {
    const filter: HealingLogFilter = {};
    const id = parseText('agentId', agentId, 128);
    if (id !== undefined) {
      if (!AGENT_ID_PATTERN.test(id)) throw validationError([{ field: 'agentId', messages: ['agentId must match [A-Za-z0-9_-]{1,128}'] }]);
      filter.agentId = id;
    }
    const before = parseSeq('cursor', cursor);
    if (before !== undefined && before > 0) filter.before = before;
    return this.healing.list(filter, parseLimit(limit));
  }
}
