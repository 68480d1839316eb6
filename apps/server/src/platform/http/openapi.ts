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
    .build();
  return cleanupOpenApiDoc(SwaggerModule.createDocument(app, config));
}

export function mountOpenApi(app: INestApplication, document: OpenAPIObject) {
  // TODO(issue 3, identity): gate /api/docs and /api/docs/openapi.json to a signed-in user or an API key (SPEC §2).
  SwaggerModule.setup('api/docs', app, document, {
    jsonDocumentUrl: OPENAPI_JSON_PATH.slice(1),
    yamlDocumentUrl: 'api/docs/openapi.yaml',
    customSiteTitle: 'VisAPI API',
  });
}
