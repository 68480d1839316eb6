import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
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
    .build();
  return cleanupOpenApiDoc(SwaggerModule.createDocument(app, config));
}

/** Serves the document and Swagger UI; create-app gates /api/docs to a user or an API key (SPEC §2). */
export function mountOpenApi(app: INestApplication, document: OpenAPIObject) {
  SwaggerModule.setup('api/docs', app, document, {
    jsonDocumentUrl: OPENAPI_JSON_PATH.slice(1),
    yamlDocumentUrl: 'api/docs/openapi.yaml',
    customSiteTitle: 'VisAPI API',
  });
}
