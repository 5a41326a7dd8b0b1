import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { validationError } from './problem';
import { flattenValidationErrors } from './validation-errors';

/** Request bodies against the contract DTOs: unknown fields refused, failures as 400 VALIDATION.FAILED. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors: ValidationError[]) => validationError(flattenValidationErrors(errors)),
  });
}
