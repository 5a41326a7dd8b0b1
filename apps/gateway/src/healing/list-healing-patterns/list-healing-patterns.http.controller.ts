import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HEALING_ACTIONS, type HealingPatternView, type ListPage } from '@immune/contracts';
import { ApiRead } from '../../openapi/api-docs.decorators';
import { HealingQueries } from '../healing.queries';

const PATTERN_SCHEMA = {
  type: 'object',
  required: ['diagnosis', 'action', 'successes', 'failures', 'rate'],
  properties: {
    diagnosis: { type: 'string', example: 'prompt_drift' },
    action: { type: 'string', enum: [...HEALING_ACTIONS] },
    successes: { type: 'integer', description: 'Acknowledged and passed probation.' },
    failures: { type: 'integer', description: 'Refused, unanswered, or failed probation.' },
    rate: { type: 'number', nullable: true, description: 'successes / (successes + failures).' },
  },
};

@ApiTags('healing')
@Controller('healing')
export class ListHealingPatternsHttpController {
  constructor(private readonly healing: HealingQueries) {}

  @Get('patterns')
  @ApiOperation({
    summary: 'Learned healing patterns',
    description: 'Fleet-wide outcomes per diagnosis and action, by diagnosis then best rate first. One page (the set is small). Needs `viewer`.',
  })
  @ApiOkResponse({ schema: { type: 'object', required: ['items', 'total', 'nextCursor'], properties: { items: { type: 'array', items: PATTERN_SCHEMA }, total: { type: 'integer' }, nextCursor: { type: 'string', nullable: true } } } })
  @ApiRead()
  list(): Promise<ListPage<HealingPatternView>> {
    return this.healing.patternList();
  }
}
