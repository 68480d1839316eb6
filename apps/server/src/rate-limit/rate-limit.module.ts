import { Global, Module } from '@nestjs/common';
import { FailedLookups } from './failed-lookups';
import { RateLimitService } from './rate-limit.service';

@Global()
@Module({ providers: [RateLimitService, FailedLookups], exports: [RateLimitService, FailedLookups] })
export class RateLimitModule {}
