import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ApiKeyRecord } from '@immune/platform-keys';
import { RequireRole } from '../../auth/auth.decorators';
import { ApiRead, ref } from '../../openapi/api-docs.decorators';
import { ApiKeyService } from '../api-key.service';

@ApiTags('keys')
@Controller('keys')
export class ListKeysHttpController {
  constructor(private readonly keys: ApiKeyService) {}

  @Get()
  @RequireRole('admin')
  @ApiOperation({ summary: 'List API keys', description: 'Names, roles and prefixes, never the keys or their hashes; by name. Needs `admin`.' })
  @ApiOkResponse({ schema: { type: 'object', required: ['items', 'total', 'nextCursor'], properties: { items: { type: 'array', items: ref('KeyView') }, total: { type: 'integer' }, nextCursor: { type: 'string', nullable: true } } } })
  @ApiRead()
  async list(): Promise<{ items: ApiKeyRecord[]; total: number; nextCursor: null }> {
    const items = await this.keys.list();
    return { items, total: items.length, nextCursor: null };
  }
}
