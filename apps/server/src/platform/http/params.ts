import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

/** `:id` path parameters: a UUID, else 400 naming it. */
export class IdParamDto extends createZodDto(z.object({ id: z.uuid({ error: 'must be a UUID' }) })) {}
