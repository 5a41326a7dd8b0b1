import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AnyKey, CurrentCaller } from '../../auth/auth.decorators';
import { ApiProblems } from '../../openapi/api-docs.decorators';
import type { Caller } from '../api-key.service';

@ApiTags('keys')
@Controller('me')
export class WhoAmIHttpController {
  @Get()
  @AnyKey()
  @ApiOperation({ summary: 'The calling key', description: 'Name and role of the key sent; any valid key. The operator page uses it to show what the key may do.' })
  @ApiOkResponse({ schema: { type: 'object', required: ['name', 'role'], properties: { name: { type: 'string' }, role: { type: 'string', enum: ['viewer', 'operator', 'admin', 'ingest'] } } } })
  @ApiBearerAuth()
  @ApiProblems(401, 500)
  me(@CurrentCaller() caller: Caller): Caller {
    return { name: caller.name, role: caller.role };
  }
}
