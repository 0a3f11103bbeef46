import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { PROBLEM_CONTENT_TYPE } from '@app/contracts';
import { isExpected, toProblem } from './problem';

const logger = new Logger('Errors');

/**
 * The one place where errors become HTTP responses: problem+json with a stable code. Nest routes Fastify's
 * own errors (unreadable JSON, a body too large, an unknown content type) through here too.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    if (!isExpected(error)) logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    const problem = toProblem(error);
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (problem.status === 401) void reply.header('WWW-Authenticate', 'Bearer');
    void reply.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
  }
}
