import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { workflowDefinitionJsonSchema } from '@visapi/contracts';
import { cleanupOpenApiDoc } from 'nestjs-zod';

export const OPENAPI_JSON_PATH = '/api/docs/openapi.json';

/** The OpenAPI 3.1 document, generated from the controllers and their zod DTOs. */
export function buildOpenApiDocument(app: INestApplication, version: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('VisAPI')
    .setDescription(
      'Workflow automation engine for a visa-services company. Errors are RFC 9457 problem details; lists are cursor-paginated.',
    )
    .setVersion(version)
    .setLicense('Proprietary', 'https://example.com/visapi/license')
    .addServer('/')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key: vk_<prefix>_<secret>' }, 'apiKey')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key sent as a bearer token' }, 'bearer')
    .addCookieAuth('visapi_session', { type: 'apiKey', in: 'cookie', name: 'visapi_session', description: 'A dashboard session' }, 'session')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN (GET /metrics only; needed when it is set)' }, 'metricsToken')
    .build();
  const document = cleanupOpenApiDoc(SwaggerModule.createDocument(app, config));
  document.components ??= {};
  document.components.schemas = { ...document.components.schemas, WorkflowDefinition: workflowDefinitionForOpenApi() };
  return document;
}

/**
 * The one definition schema, as OpenAPI 3.1 embeds it: without $schema/$id, and without
 * AJV's `discriminator` hint (OpenAPI's discriminator wants named sub-schemas; the `const`
 * types already select the branch).
 */
function workflowDefinitionForOpenApi(): Record<string, unknown> {
  const { $schema: _schema, $id: _id, ...schema } = workflowDefinitionJsonSchema;
  const strip = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(strip)
      : value && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'discriminator').map(([k, v]) => [k, strip(v)]))
        : value;
  return strip(schema) as Record<string, unknown>;
}

/** Serves the document and Swagger UI; create-app gates /api/docs to a user or an API key (SPEC §2). */
export function mountOpenApi(app: INestApplication, document: OpenAPIObject) {
  SwaggerModule.setup('api/docs', app, document, {
    jsonDocumentUrl: OPENAPI_JSON_PATH.slice(1),
    yamlDocumentUrl: 'api/docs/openapi.yaml',
    customSiteTitle: 'VisAPI API',
  });
}
