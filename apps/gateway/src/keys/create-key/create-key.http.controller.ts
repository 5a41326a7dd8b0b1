import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CreateKeyRequestDto } from '@immune/contracts';
import { CurrentCaller, RequireRole } from '../../auth/auth.decorators';
import { RedactOnReplay } from '../../idempotency/idempotency.interceptor';
import { ApiJsonBody, ApiWrite, ref } from '../../openapi/api-docs.decorators';
import { ApiKeyService, type Caller, type CreatedKey } from '../api-key.service';

@ApiTags('keys')
@Controller('keys')
export class CreateKeyHttpController {
  constructor(private readonly keys: ApiKeyService) {}

  @Post()
  @RequireRole('admin')
  @HttpCode(201)
  @RedactOnReplay('key')
  @ApiOperation({
    summary: 'Create an API key',
    description:
      'Needs `admin`. The key is in this answer only; it is stored as a SHA-256 hash. 409 KEY.ALREADY_EXISTS. ' +
      'A replay (same Idempotency-Key) answers `key: null`: the secret is never kept.',
  })
  @ApiJsonBody('CreateKeyRequest')
  @ApiCreatedResponse({ schema: ref('CreatedKey') })
  @ApiWrite()
  create(@Body() body: CreateKeyRequestDto, @CurrentCaller() caller: Caller): Promise<CreatedKey> {
    return this.keys.create(body.name, body.role, caller.name);
  }
}
