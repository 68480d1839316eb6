import { Global, Module } from '@nestjs/common';
import { LogService } from './log-write.service';

/** The log writer, available to every module of every role. */
@Global()
@Module({ providers: [LogService], exports: [LogService] })
export class LogsCoreModule {}
