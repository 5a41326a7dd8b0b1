import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import type { GatewayResponse } from '../common/http-types';
import { GatewayMetrics } from './gateway.metrics';

@ApiTags('health')
@Public()
@Controller('metrics')
export class MetricsHttpController {
  constructor(private readonly metrics: GatewayMetrics) {}

  @Get()
  @ApiOperation({ summary: 'Prometheus metrics', description: 'Node defaults, `http_request_duration_seconds`, `gateway_commands_total`. No key.' })
  @ApiOkResponse({ content: { 'text/plain': { schema: { type: 'string' } } } })
  async metricsText(@Res({ passthrough: true }) res: GatewayResponse): Promise<string> {
    res.setHeader('Content-Type', this.metrics.contentType);
    return this.metrics.text();
  }
}
