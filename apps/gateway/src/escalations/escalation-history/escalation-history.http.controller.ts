import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { PROFILES, type EscalationView, type ListPage } from '@immune/contracts';
import { parseEnum, parseLimit, parseText } from '../../common/cursor';
import { ApiRead } from '../../openapi/api-docs.decorators';
import { ESCALATION_LIST_SCHEMA } from '../escalation.openapi';
import { EscalationQueries, type EscalationFilter } from '../escalation.queries';

@ApiTags('escalations')
@Controller('escalations')
export class EscalationHistoryHttpController {
  constructor(private readonly escalations: EscalationQueries) {}

  @Get('history')
  @ApiOperation({ summary: 'Escalation history', description: 'Every escalation, pending, active or ended, newest first; `profile` filters by target profile. Needs `viewer`.' })
  @ApiQuery({ name: 'profile', required: false, enum: PROFILES })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiOkResponse({ schema: ESCALATION_LIST_SCHEMA })
  @ApiRead()
  history(@Query('profile') profile?: string, @Query('limit') limit?: string, @Query('cursor') cursor?: string): Promise<ListPage<EscalationView>> {
    const filter: EscalationFilter = {};
    const p = parseEnum('profile', profile, PROFILES);
    if (p !== undefined) filter.profile = p;
    return this.escalations.list(filter, parseLimit(limit), parseText('cursor', cursor, 1024));
  }
}
