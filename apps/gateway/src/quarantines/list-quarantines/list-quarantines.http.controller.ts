import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AGENT_ID_PATTERN, REASON_CODES, SEVERITIES, type ListPage, type QuarantineRecordView } from '@immune/contracts';
import { parseBool, parseEnum, parseLimit, parseText } from '../../common/cursor';
import { validationError } from '../../common/problem';
import { ApiRead, listOf } from '../../openapi/api-docs.decorators';
import { QuarantineQueries, type QuarantineFilter } from '../quarantine.queries';

@ApiTags('quarantines')
@Controller('quarantines')
export class ListQuarantinesHttpController {
  constructor(private readonly quarantines: QuarantineQueries) {}

  @Get()
  @ApiOperation({
    summary: 'List quarantines, current and ended',
    description:
      'Newest first: by the stream sequence that opened the quarantine, descending. `limit` defaults to 50, at most 500; ' +
      'pass `nextCursor` as `cursor` for the next page (opaque). Needs `viewer`.',
  })
  @ApiQuery({ name: 'active', required: false, schema: { type: 'boolean' }, description: 'true: only current quarantines; false: only ended ones.' })
  @ApiQuery({ name: 'agentId', required: false })
  @ApiQuery({ name: 'severity', required: false, enum: SEVERITIES })
  @ApiQuery({ name: 'source', required: false })
  @ApiQuery({ name: 'reasonCode', required: false, enum: REASON_CODES })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiOkResponse({ schema: listOf('QuarantineRecordView') })
  @ApiRead()
  list(
    @Query('active') active?: string,
    @Query('agentId') agentId?: string,
    @Query('severity') severity?: string,
    @Query('source') source?: string,
    @Query('reasonCode') reasonCode?: string,
    @Query('limit') limit?: string,
    @Query('cursor') cursor?: string,
  ): Promise<ListPage<QuarantineRecordView>> {
    const filter: QuarantineFilter = {};
    const a = parseBool('active', active);
    if (a !== undefined) filter.active = a;
    const id = parseText('agentId', agentId, 128);
    if (id !== undefined) {
      if (!AGENT_ID_PATTERN.test(id)) throw validationError([{ field: 'agentId', messages: ['agentId must match [A-Za-z0-9_-]{1,128}'] }]);
      filter.agentId = id;
    }
    const s = parseEnum('severity', severity, SEVERITIES);
    if (s !== undefined) filter.severity = s;
    const src = parseText('source', source, 128);
    if (src !== undefined) filter.source = src;
    const rc = parseEnum('reasonCode', reasonCode, REASON_CODES);
    if (rc !== undefined) filter.reasonCode = rc;
    return this.quarantines.list(filter, parseLimit(limit), parseText('cursor', cursor, 1024));
  }
}
