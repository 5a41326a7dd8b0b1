import { Controller, Delete, HttpCode, Param } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../../auth/auth.decorators';
import { ApiProblems, ApiWrite } from '../../openapi/api-docs.decorators';
import { ApiKeyService } from '../api-key.service';

@ApiTags('keys')
@Controller('keys')
export class DeleteKeyHttpController {
  constructor(private readonly keys: ApiKeyService) {}

  @Delete(':name')
  @RequireRole('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an API key', description: 'Needs `admin`. The key stops working at once. 404 KEY.NOT_FOUND.' })
  @ApiParam({ name: 'name', schema: { type: 'string', pattern: '^[A-Za-z0-9_.@-]{1,64}$' } })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiWrite()
  @ApiProblems(404)
  async remove(@Param('name') name: string): Promise<void> {
    await this.keys.delete(name);
  }
}
