import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../../auth/auth.decorators';
import { VitalsIngestHandler, type IngestAnswer } from '../vitals-ingest.handler';

@ApiTags('vitals')
@Controller('vitals')
export class IngestVitalsHttpController {
  constructor(private readonly vitals: VitalsIngestHandler) {}

  @Post()
  @RequireRole('ingest')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Report vitals over HTTP',
    description:
      'Needs the `ingest` key (which can do nothing else). Body: one vital object or an array of up to 1000 (8 MiB per request). ' +
      'Valid vitals go to the same stream as `{ns}.vitals.{agentId}` publishes; invalid ones are listed with their index and reason.',
  })
  @ApiResponse({
    status: 202,
    description: 'Accepted vitals are stored in the vitals stream.',
    schema: {
      type: 'object',
      properties: {
        accepted: { type: 'integer' },
        rejected: { type: 'array', items: { type: 'object', properties: { index: { type: 'integer' }, reason: { type: 'string' } } } },
      },
    },
  })
  ingest(@Body() body: unknown): Promise<IngestAnswer> {
    return this.vitals.ingest(body);
  }
}
