import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { PostureView } from '@immune/contracts';
import { EscalationQueries } from '../../escalations/escalation.queries';
import { POSTURE_VIEW_SCHEMA } from '../../escalations/escalation.openapi';
import { ApiRead } from '../../openapi/api-docs.decorators';

@ApiTags('posture')
@Controller('posture')
export class GetPostureHttpController {
  constructor(private readonly escalations: EscalationQueries) {}

  @Get()
  @ApiOperation({ summary: 'The fleet posture in force', description: '`current`, the resting `baseline`, the active escalations with their expiry and the pending ones. Needs `viewer`.' })
  @ApiOkResponse({ schema: POSTURE_VIEW_SCHEMA })
  @ApiRead()
  get(): Promise<PostureView> {
    return this.escalations.posture();
  }
}
