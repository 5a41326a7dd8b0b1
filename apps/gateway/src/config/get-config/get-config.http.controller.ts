import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ConfigView } from '@immune/contracts';
import type { GatewayResponse } from '../../common/http-types';
import { etagOf } from '../../common/if-match';
import { ApiRead, ref } from '../../openapi/api-docs.decorators';
import { DetectionConfigStore } from '../detection-config.store';

@ApiTags('config')
@Controller('config')
export class GetConfigHttpController {
  constructor(private readonly store: DetectionConfigStore) {}

  @Get()
  @ApiOperation({
    summary: 'The configuration in force',
    description:
      'Detection thresholds: the design\'s defaults, the fleet-wide and per-agentType overrides, and what applies ' +
      '(`effective`). Answers `ETag: "<revision>"` of the detection settings (0 = never set). Needs `viewer`.',
  })
  @ApiOkResponse({ schema: ref('ConfigView'), headers: { ETag: { description: 'The detection settings revision, quoted.', schema: { type: 'string' } } } })
  @ApiRead()
  async get(@Res({ passthrough: true }) res: GatewayResponse): Promise<ConfigView> {
    const view = await this.store.get();
    res.setHeader('ETag', etagOf(view.detection.revision));
    return view;
  }
}
