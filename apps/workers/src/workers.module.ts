import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, WorkersConfig } from '@app/config';
import { StorageModule } from '@app/storage';
import { ApiClient } from './api/api-client';
import { ContentSniffer } from './media/content-sniffer';
import { ImageResizer } from './media/image-resizer';
import { PdfRenderer } from './media/pdf-renderer';
import { VideoPoster } from './media/video-poster';
import { EventDispatcher } from './processing/event-dispatcher';
import { PreviewMaker } from './processing/make-preview';
import { ProfilePhotoProcessor } from './processing/process-profile-photo';
import { UploadProcessor } from './processing/process-upload';

/** The workers: storage access, the API's URL and the secret; no database. */
@Module({})
export class WorkersModule {
  static forRoot(config: WorkersConfig): DynamicModule {
    return {
      module: WorkersModule,
      imports: [ConfigModule.forRoot(config), StorageModule.forRoot(config)],
      providers: [
        ApiClient,
        ContentSniffer,
        ImageResizer,
        PdfRenderer,
        VideoPoster,
        PreviewMaker,
        UploadProcessor,
        ProfilePhotoProcessor,
        EventDispatcher,
      ],
    };
  }
}
