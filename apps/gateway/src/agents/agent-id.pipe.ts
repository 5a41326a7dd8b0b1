import { Injectable, type PipeTransform } from '@nestjs/common';
import { AGENT_ID_PATTERN } from '@immune/contracts';
import { validationError } from '../common/problem';

/** `{agentId}` path parameters: `[A-Za-z0-9_-]{1,128}`, else 400 VALIDATION.FAILED. */
@Injectable()
export class AgentIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || !AGENT_ID_PATTERN.test(value)) {
      throw validationError([{ field: 'agentId', messages: ['agentId must match [A-Za-z0-9_-]{1,128}'] }]);
    }
    return value;
  }
}
