import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { jsonLogger, NestJsonLogger, WorkersConfig } from '@app/config';
import { WorkersModule } from './workers.module';

/** The workers' Nest context (no HTTP server): made once per process, thread or warm Lambda instance. */
export function createWorkersContext(config: WorkersConfig): Promise<INestApplicationContext> {
  const silent = config.log.level === 'silent';
  return NestFactory.createApplicationContext(WorkersModule.forRoot(config), {
    // The API's shape: one log stream, whichever program or thread wrote the line.
    logger: silent ? false : workersLogger(config),
  });
}

/** Nest's logger for the workers, in the API's JSON shape (lines are written to stdout, or to `destination`). */
export function workersLogger(config: WorkersConfig, destination?: Parameters<typeof jsonLogger>[1]): NestJsonLogger {
  return new NestJsonLogger(jsonLogger(config.log.level, destination));
}
