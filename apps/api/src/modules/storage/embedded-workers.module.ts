import { Module } from '@nestjs/common';
import { EmbeddedWorkers } from './embedded-workers';

/** The workers on a thread of this process, for the local store (the embedded mode). */
@Module({ providers: [EmbeddedWorkers] })
export class EmbeddedWorkersModule {}
