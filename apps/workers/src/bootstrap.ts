import { ConsoleLogger, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfig } from '@app/config';
import { WorkersModule } from './workers.module';

/** The workers' Nest context (no HTTP server): made once per process, thread or warm Lambda instance. */
export function createWorkersContext(config: AppConfig): Promise<INestApplicationContext> {
  const silent = config.log.level === 'silent';
  return NestFactory.createApplicationContext(WorkersModule.forRoot(config), {
    logger: silent ? false : new ConsoleLogger({ json: true, prefix: 'workers' }),
  });
}
