import type { FastifyInstance } from 'fastify';
import { AppError, FieldError } from '@app/contracts';

/** Far deeper than any DTO of ours, far shallower than what overflows the stack. */
export const MAX_BODY_DEPTH = 32;

/** Whether a parsed JSON value nests objects or arrays more than `limit` levels deep (iteratively). */
export function exceedsDepth(value: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(node)) pending.push([child, depth + 1]);
  }
  return false;
}

export const tooDeep = (): AppError =>
  AppError.validation([{ field: 'body', message: `must not be nested more than ${MAX_BODY_DEPTH} levels deep` }]);

/**
 * Refuses a body nested too deep as soon as it is parsed, on every route: class-transformer, class-validator
 * and some custom parameter decorators recurse, and a deep enough body would overflow the stack (a 500).
 */
export function refuseDeepBodies(fastify: FastifyInstance): void {
  fastify.addHook('preValidation', async (request) => {
    if (exceedsDepth(request.body, MAX_BODY_DEPTH)) throw tooDeep();
  });
}

// A NUL, or half of a surrogate pair without its other half (not a character: UTF-8 cannot encode it).
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const UNREADABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const UNREADABLE_MESSAGE = 'must not contain NUL or unpaired surrogate characters';

/** Whether a string holds what no field of ours may: PostgreSQL refuses NUL, and a lone surrogate is not text. */
export const isUnreadable = (text: string): boolean => UNREADABLE.test(text);

/** Every string in a parsed body or query (at any depth) that no field may hold, by its dotted path. */
export function unreadableStrings(value: unknown, parent = ''): FieldError[] {
  const found: FieldError[] = [];
  const pending: [unknown, string][] = [[value, parent]];
  while (pending.length > 0) {
    const [node, path] = pending.pop()!;
    if (typeof node === 'string' && isUnreadable(node)) found.push({ field: path, message: UNREADABLE_MESSAGE });
    if (typeof node !== 'object' || node === null) continue;
    // Pushed last to first, so that they come out in the order of the document.
    for (const [key, child] of Object.entries(node).reverse()) pending.push([child, path ? `${path}.${key}` : key]);
  }
  return found;
}
