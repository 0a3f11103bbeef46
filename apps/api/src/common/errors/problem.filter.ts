import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { PROBLEM_CONTENT_TYPE } from '@app/contracts';
import { RateLimited, recordOutcomes } from '../rate-limit/rate-limits';
import { isExpected, RETRY_AFTER_SECONDS, toProblem } from './problem';

const logger = new Logger('Errors');

/**
 * Sends any error as problem+json with a stable code, logging what was not expected: a dependency that is
 * down (503) as a warning in one line, anything else with its stack.
 */
export function sendProblem(error: unknown, reply: FastifyReply): void {
  const problem = toProblem(error);
  const unexpected = !isExpected(error);
  if (unexpected && problem.code === 'service_unavailable') {
    logger.warn(`Answered 503, a dependency is unavailable: ${oneLine(error)}`);
  } else if (unexpected) {
    logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  }
  if (problem.status === 401) void reply.header('WWW-Authenticate', 'Bearer');
  if (problem.status === 503) void reply.header('Retry-After', String(RETRY_AFTER_SECONDS));
  if (error instanceof RateLimited) {
    recordOutcomes(reply.request, error.outcomes);
    void reply.header('Retry-After', String(error.retryAfterSeconds));
  }
  void reply.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
}

function oneLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return `${error.name}${typeof code === 'string' ? ` ${code}` : ''}: ${error.message}`;
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
