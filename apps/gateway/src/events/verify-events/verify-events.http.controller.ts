import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { VerifyResult } from '@immune/contracts';
import { ApiRead, ref } from '../../openapi/api-docs.decorators';
import { EventLogVerifier } from './event-log.verifier';

@ApiTags('audit')
@Controller('events')
export class VerifyEventsHttpController {
  constructor(private readonly verifier: EventLogVerifier) {}

  @Get('verify')
  @ApiOperation({
    summary: 'Verify the event log',
    description:
      'Reads the stream itself (not the read models), walks every aggregate\'s hash chain and checks the chain checkpoints: ' +
      'an edited, forged, reordered or removed event answers `valid: false` with where it broke. Needs `viewer`.',
  })
  @ApiOkResponse({ schema: ref('VerifyResult') })
  @ApiRead()
  verify(): Promise<VerifyResult> {
    return this.verifier.verify();
  }
}
