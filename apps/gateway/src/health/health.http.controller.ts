import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import type { GatewayResponse } from '../common/http-types';
import { ref } from '../openapi/api-docs.decorators';
import { Readiness, type ReadinessReport } from './readiness.service';

@ApiTags('health')
@Public()
@Controller()
export class HealthHttpController {
  constructor(private readonly readiness: Readiness) {}

  @Get('health')
  @ApiOperation({ summary: 'Liveness', description: 'The process answers. No key.' })
  @ApiOkResponse({ schema: ref('Health') })
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({
    summary: 'Readiness',
    description: 'NATS and PostgreSQL answer and every required service (IMMUNE_READY_SERVICES) sent a heartbeat within 10 s. No key.',
  })
  @ApiOkResponse({ schema: ref('Readiness') })
  @ApiResponse({ status: 503, description: 'Not ready: `checks` says which check fails.', schema: ref('Readiness') })
  async ready(@Res({ passthrough: true }) res: GatewayResponse): Promise<ReadinessReport> {
    const report = await this.readiness.check();
    res.setHeader('Cache-Control', 'no-store');
    if (report.status !== 'ready') res.status(503);
    return report;
  }
}
