import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { validationError } from './problem';
import { flattenValidationErrors } from './validation-errors';

/**
 * Request bodies against the contract DTOs: unknown fields refused, failures as 400 VALIDATION.FAILED with the
 * messages per field. A body that is not a JSON object (an array, a number) is refused as a whole.
 */
class ContractValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // A body typed `unknown` (vitals: one object or an array) is validated by its handler, not by a DTO.
    if (metadata.type === 'body' && (!metadata.metatype || metadata.metatype === Object)) return value;
    if (metadata.type === 'body' && value !== undefined && value !== null && (typeof value !== 'object' || Array.isArray(value))) {
      throw validationError([{ field: 'body', messages: ['the body must be a JSON object'] }]);
    }
    return super.transform(value ?? (metadata.type === 'body' ? {} : value), metadata);
  }
}

export function createValidationPipe(): ValidationPipe {
  return new ContractValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors: ValidationError[]) => validationError(flattenValidationErrors(errors)),
  });
}
