import { apiKeySchema, createApiKeySchema, createdApiKeySchema, pageQuerySchema, pageSchema, rotateApiKeySchema } from '@visapi/contracts';
import { createZodDto } from 'nestjs-zod';

export class CreateApiKeyDto extends createZodDto(createApiKeySchema) {}
// The body is optional: a bare POST rotates with the default grace.
export class RotateApiKeyDto extends createZodDto(rotateApiKeySchema.default({})) {}
export class ApiKeyDto extends createZodDto(apiKeySchema) {}
export class CreatedApiKeyDto extends createZodDto(createdApiKeySchema) {}
export class ApiKeyPageDto extends createZodDto(pageSchema(apiKeySchema)) {}
export class PageQueryDto extends createZodDto(pageQuerySchema) {}
export { IdParamDto } from '../platform/http/params';
