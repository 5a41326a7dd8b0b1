import { Body, Controller, Headers, HttpCode, Put, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ConfigView } from '@immune/contracts';
import { CurrentCaller, RequireRole } from '../../auth/auth.decorators';
import type { GatewayResponse } from '../../common/http-types';
import { etagOf, parseIfMatch } from '../../common/if-match';
import type { Caller } from '../../keys/api-key.service';
import { ApiJsonBody, ApiProblems, ApiWrite, ref } from '../../openapi/api-docs.decorators';
import { DetectionConfigStore } from '../detection-config.store';

@ApiTags('config')
@Controller('config')
export class PutDetectionConfigHttpController {
  constructor(private readonly store: DetectionConfigStore) {}

  @Put('detection')
  @RequireRole('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Replace the detection thresholds',
    description:
      'Needs `admin`. Body `{"fleet"?: {setting: value}, "agentTypes"?: {agentType: {setting: value}}, "reason"?}`: ' +
      'overrides of the defaults (see `GET /config`), per fleet and per agentType (agentType over fleet over defaults). ' +
      'Replaces the previous settings as a whole; `{}` restores the defaults. An unknown setting or a value out of ' +
      'range is 400 CONFIG.INVALID naming the field. The answer is what the next GET shows; the sentinels apply it ' +
      'to the next vital of every agent. `If-Match: "<revision>"` → 412 CONFIG.VERSION_MISMATCH when stale.',
  })
  @ApiJsonBody('DetectionSettingsRequest')
  @ApiHeader({ name: 'if-match', required: false, description: 'The revision the change is based on (the ETag of GET /config). Stale → 412.' })
  @ApiOkResponse({ schema: ref('ConfigView') })
  @ApiWrite()
  @ApiProblems(412)
  async put(
    @Body() body: unknown,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) res: GatewayResponse,
    @Headers('if-match') ifMatch?: string,
  ): Promise<ConfigView> {
    const expectedRevision = parseIfMatch(ifMatch);
    const view = await this.store.put({ body, actor: caller.name, now: new Date(), ...(expectedRevision !== undefined ? { expectedRevision } : {}) });
    res.setHeader('ETag', etagOf(view.detection.revision));
    return view;
  }
}
