import { LoggerService } from '@nestjs/common';
import pino, { DestinationStream, Logger, LoggerOptions } from 'pino';
import { LogLevel } from './config';

/**
 * The one shape of every log line, the API's and the workers' (on their thread, behind their receiver, on
 * Lambda): pino's JSON with `level` as a word, `time` in ISO 8601, `context` for the class that wrote it, `msg`.
 * Secrets in headers are never written.
 */
export function logLineOptions(level: LogLevel): LoggerOptions {
  return {
    level,
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label: string) => ({ level: label }) },
    redact: ['req.headers.authorization', 'req.headers["x-lambda-secret"]', 'req.headers.cookie'],
  };
}

/** A pino logger writing that shape (to stdout unless told otherwise). */
export function jsonLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(logLineOptions(level), destination);
}

type Level = 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal';

/** The subset of a pino logger Nest's messages are written through (Fastify's logger is one). */
export type PinoLike = Pick<Logger, Level>;

/** Nest's logger, writing that shape through pino. */
export class NestJsonLogger implements LoggerService {
  constructor(private readonly root: PinoLike) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  /** Where a line goes: the API sends it to the logger of the request being served, when there is one. */
  protected target(): PinoLike {
    return this.root;
  }

  /** Nest passes the context (the class name) last; anything between is detail (an error's stack). */
  private write(level: Level, message: unknown, rest: unknown[]): void {
    const context = typeof rest.at(-1) === 'string' ? (rest.at(-1) as string) : undefined;
    const detail = context === undefined ? rest : rest.slice(0, -1);
    const logger = this.target();
    const fields = { context, ...(detail.length > 0 ? { detail } : {}) };
    if (message instanceof Error) logger[level]({ ...fields, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) logger[level]({ ...fields, ...message });
    else logger[level](fields, String(message));
  }
}
