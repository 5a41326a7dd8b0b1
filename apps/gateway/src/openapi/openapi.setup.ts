import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { OPENAPI_SCHEMAS } from './openapi.schemas';

/** `GET /api/docs` (Swagger UI) and `GET /api/docs/openapi.json`. */
export function setupOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Immune gateway')
    .setDescription(
      'REST API of the Immune control plane. Send `Authorization: Bearer <key>`; reads need `viewer`, writes the role ' +
        'each operation names. Errors are `application/problem+json` with a stable `code`. Writes answer only once reads ' +
        'show their effect (read-your-writes); `If-Match` makes them conditional, `Idempotency-Key` makes them safe to retry. ' +
        'Lists answer `{items, total, nextCursor}`; pass `nextCursor` back as `cursor`.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key: `imk_<role>_…`' })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  document.components = document.components ?? {};
  document.components.schemas = { ...(document.components.schemas ?? {}), ...(OPENAPI_SCHEMAS as NonNullable<typeof document.components.schemas>) };
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs/openapi.json', customSiteTitle: 'Immune API' });
}
