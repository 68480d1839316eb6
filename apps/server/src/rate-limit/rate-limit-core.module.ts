import { Global, Module } from '@nestjs/common';
import { FailedLookups } from './failed-lookups';
import { RateLimitService } from './rate-limit.service';

/** Rate limits shared by every gateway (Redis token buckets), and the failed-lookup throttle. */
@Global()
@Module({ providers: [RateLimitService, FailedLookups], exports: [RateLimitService, FailedLookups] })
export class RateLimitCoreModule {}
