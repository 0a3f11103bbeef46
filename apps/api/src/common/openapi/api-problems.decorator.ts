import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ErrorCode, PROBLEM_CONTENT_TYPE, statusOf } from '@app/contracts';
import { ProblemDto } from './problem.dto';

/**
 * Documents the error codes a route can answer with, grouped by status, as problem+json responses.
 * The codes are listed in each response's description and as an enum on `code`, so SDKs and people see them.
 */
export function ApiProblems(...codes: ErrorCode[]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) byStatus.set(statusOf(code), [...(byStatus.get(statusOf(code)) ?? []), code]);
  return applyDecorators(
    ApiExtraModels(ProblemDto),
    ...[...byStatus].map(([status, group]) =>
      ApiResponse({
        status,
        description: group.map((code) => `\`${code}\``).join(', '),
        content: {
          [PROBLEM_CONTENT_TYPE]: {
            schema: {
              allOf: [
                { $ref: getSchemaPath(ProblemDto) },
                { properties: { status: { enum: [status] }, code: { type: 'string', enum: group } } },
              ],
            },
          },
        },
      }),
    ),
  );
}
