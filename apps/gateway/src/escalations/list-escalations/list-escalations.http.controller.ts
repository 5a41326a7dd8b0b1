import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { PROFILES, type EscalationView, type ListPage } from '@immune/contracts';
import { parseBool, parseEnum, parseLimit, parseText } from '../../common/cursor';
import { ApiRead } from '../../openapi/api-docs.decorators';
import { ESCALATION_LIST_SCHEMA } from '../escalation.openapi';
import { EscalationQueries, type EscalationFilter } from '../escalation.queries';

@ApiTags('escalations')
@Controller('escalations')
export class ListEscalationsHttpController {
  constructor(private readonly escalations: EscalationQueries) {}

  @Get()
  @ApiOperation({
    summary: 'List posture escalations',
    description: 'Newest first. `active=true`: the escalations in force, each with its `expiresAt` (null: irreversible). Needs `viewer`.',
  })
  @ApiQuery({ name: 'active', required: false, schema: { type: 'boolean' } })
  @ApiQuery({ name: 'profile', required: false, enum: PROFILES, description: 'Only escalations to this profile.' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiOkResponse({ schema: ESCALATION_LIST_SCHEMA })
  @ApiRead()
  list(
    @Query('active') active?: string,
    @Query('profile') profile?: string,
    @Query('limit') limit?: string,
    @Query('cursor') cursor?: string,
  ): Promise<ListPage<EscalationView>> {
    const filter: EscalationFilter = {};
    const a = parseBool('active', active);
    if (a !== undefined) filter.active = a;
    const p = parseEnum('profile', profile, PROFILES);
    if (p !== undefined) filter.profile = p;
    return this.escalations.list(filter, parseLimit(limit), parseText('cursor', cursor, 1024));
  }
}
