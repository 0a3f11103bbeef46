import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { PROBLEM_CONTENT_TYPE } from '@app/contracts';
import { RateLimited, recordOutcomes } from '../rate-limit/rate-limits';
import { isExpected, toProblem } from './problem';

const logger = new Logger('Errors');

/** Sends any error as problem+json with a stable code, logging what was not expected. */
export function sendProblem(error: unknown, reply: FastifyReply): void {
  if (!isExpected(error)) logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  const problem = toProblem(error);
  if (problem.status === 401) void reply.header('WWW-Authenticate', 'Bearer');
  if (error instanceof RateLimited) {
    recordOutcomes(reply.request, error.outcomes);
    void reply.header('Retry-After', String(error.retryAfterSeconds));
  }
  void reply.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
}

/**
 * The one place where errors become HTTP responses. Nest routes Fastify's parser errors (unreadable JSON,
 * a body too large, an unknown content type) through here too; the few errors Fastify raises before
 * routing (a malformed URL) reach sendProblem through the adapter's `frameworkErrors`.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    sendProblem(error, host.switchToHttp().getResponse<FastifyReply>());
  }
}
