import { healthSchema } from '@visapi/contracts';
import { createZodDto } from 'nestjs-zod';

export class HealthDto extends createZodDto(healthSchema) {}
