import { Module } from '@nestjs/common';
import { FileDownloadsController, FileLinksController } from './files.controller';
import { FilesService } from './files.service';
import { StorageModule } from './storage.module';

/** GET /files/{key} and POST /api/v1/files/links (gateway). */
@Module({ imports: [StorageModule], controllers: [FileLinksController, FileDownloadsController], providers: [FilesService] })
export class StorageApiModule {}
