import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ImmuneError, type EscalationView } from '@immune/contracts';
import { validationError } from '../../common/problem';
import { ApiProblems, ApiRead } from '../../openapi/api-docs.decorators';
import { ESCALATION_ID_PATTERN, ESCALATION_VIEW_SCHEMA } from '../escalation.openapi';
import { EscalationQueries } from '../escalation.queries';

@ApiTags('escalations')
@Controller('escalations')
export class GetEscalationHttpController {
  constructor(private readonly escalations: EscalationQueries) {}

  @Get(':escalationId')
  @ApiOperation({ summary: 'One escalation', description: 'Needs `viewer`. 404 ESCALATION.NOT_FOUND.' })
  @ApiParam({ name: 'escalationId', schema: { type: 'string', pattern: ESCALATION_ID_PATTERN.source } })
  @ApiOkResponse({ schema: ESCALATION_VIEW_SCHEMA })
  @ApiRead()
  @ApiProblems(404)
  async get(@Param('escalationId') escalationId: string): Promise<EscalationView> {
    if (!ESCALATION_ID_PATTERN.test(escalationId)) throw validationError([{ field: 'escalationId', messages: [`escalationId must match ${ESCALATION_ID_PATTERN.source}`] }]);
    const view = await this.escalations.get(escalationId);
    if (!view) throw new ImmuneError('ESCALATION.NOT_FOUND', 'Escalation not found', `There is no escalation "${escalationId}".`);
    return view;
  }
}
