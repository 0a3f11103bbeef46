import {
  ArgumentsHost,
  BadRequestException,
  HttpException,
  InternalServerErrorException,
  Logger,
  NotFoundException,
  PayloadTooLargeException,
  UnauthorizedException,
} from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { AppError } from '@app/contracts';
import { ProblemFilter } from './problem.filter';
import { isExpected, RETRY_AFTER_SECONDS, titleOf, toProblem } from './problem';

/** An error as Fastify's parsers throw it: an Error with a `statusCode`. */
const fastifyError = (statusCode: number, message: string) => Object.assign(new Error(message), { statusCode });
const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('toProblem', () => {
  it('maps an AppError to its code, status and detail, with a type and title derived from the code', () => {
    expect(toProblem(new AppError('credentials_in_use', 'That username is taken.'))).toEqual({
      type: 'urn:clouddrive:problem:credentials_in_use',
      title: 'Credentials in use',
      status: 409,
      detail: 'That username is taken.',
      code: 'credentials_in_use',
    });
  });

  it("carries an AppError's extra fields, such as a validation error's `errors`", () => {
    const errors = [
      { field: 'email', message: 'must be a valid e-mail address' },
      { field: 'password', message: 'must be 8 to 72 bytes long in UTF-8' },
    ];
    expect(toProblem(AppError.validation(errors))).toEqual({
      type: 'urn:clouddrive:problem:validation_failed',
      title: 'Validation failed',
      status: 422,
      detail: '2 fields are invalid.',
      code: 'validation_failed',
      errors,
    });
  });

  it('answers an unknown route (NotFoundException) with route_not_found 404', () => {
    expect(toProblem(new NotFoundException('Cannot GET /nowhere'))).toEqual({
      type: 'urn:clouddrive:problem:route_not_found',
      title: 'Route not found',
      status: 404,
      detail: 'Cannot GET /nowhere.',
      code: 'route_not_found',
    });
  });

  it('answers a PayloadTooLargeException with payload_too_large 413', () => {
    expect(toProblem(new PayloadTooLargeException())).toMatchObject({
      type: 'urn:clouddrive:problem:payload_too_large',
      code: 'payload_too_large',
      status: 413,
    });
  });

  it("answers Fastify's unsupported content type (statusCode 415) with unsupported_media_type and its message", () => {
    expect(toProblem(fastifyError(415, 'Unsupported Media Type: text/csv'))).toEqual({
      type: 'urn:clouddrive:problem:unsupported_media_type',
      title: 'Unsupported media type',
      status: 415,
      detail: 'Unsupported Media Type: text/csv.',
      code: 'unsupported_media_type',
    });
  });

  it("answers Fastify's unreadable JSON (statusCode 400) with malformed_request and its message as it is", () => {
    const message = "Body is not valid JSON but content-type is set to 'application/json'";
    expect(toProblem(fastifyError(400, message))).toMatchObject({
      code: 'malformed_request',
      status: 400,
      title: 'Malformed request',
      detail: `${message}.`,
    });
    expect(toProblem(fastifyError(400, 'Unexpected end of JSON input.')).detail).toBe('Unexpected end of JSON input.');
  });

  it('maps the statuses Nest throws to their codes', () => {
    expect(toProblem(new UnauthorizedException()).code).toBe('unauthorized');
    expect(toProblem(new BadRequestException()).code).toBe('malformed_request');
    expect(toProblem(new HttpException('Too many', 429)).code).toBe('too_many_requests');
    expect(toProblem(new HttpException('Method Not Allowed', 405)).code).toBe('method_not_allowed');
    expect(toProblem(fastifyError(408, 'Request Timeout')).code).toBe('request_timeout');
    expect(toProblem(fastifyError(431, 'Header Fields Too Large')).code).toBe('headers_too_large');
  });

  it('keeps the HTTP status of an error whose status has no code of its own', () => {
    expect(toProblem(fastifyError(410, 'Gone'))).toMatchObject({
      code: 'malformed_request',
      status: 410,
      detail: 'Gone.',
    });
    expect(toProblem(new HttpException('upstream said no', 502))).toMatchObject({
      code: 'internal_error',
      status: 502,
    });
  });

  it('gives a 4xx error without a message a generic sentence', () => {
    expect(toProblem({ statusCode: 415, message: 'not an Error instance' })).toMatchObject({
      code: 'unsupported_media_type',
      status: 415,
      detail: 'The request could not be processed.',
    });
  });

  it.each([
    ['a plain Error', new Error('connect ECONNREFUSED 10.0.0.5:5432 password=hunter2')],
    ['an error with statusCode 500', fastifyError(500, 'connect ECONNREFUSED 10.0.0.5:5432 password=hunter2')],
    ['an InternalServerErrorException', new InternalServerErrorException('password=hunter2 at 10.0.0.5:5432')],
  ])('answers %s with 500 internal_error, without leaking its message', (_, error) => {
    const problem = toProblem(error);
    expect(problem).toMatchObject({
      type: 'urn:clouddrive:problem:internal_error',
      title: 'Internal error',
      status: 500,
      code: 'internal_error',
    });
    expect(problem.detail).not.toMatch(/hunter2|ECONNREFUSED|10\.0\.0\.5/);
    expect(problem.detail.length).toBeGreaterThan(0);
  });

  it.each([
    ['the database refusing connections', withCode('connect ECONNREFUSED 10.0.0.5:5432', 'ECONNREFUSED')],
    [
      'the database shutting down under a query',
      new QueryFailedError('SELECT 1', [], withCode('terminating connection due to administrator command', '57P01')),
    ],
    ['the pool giving up on a connection', new Error('timeout exceeded when trying to connect')],
    [
      'S3 answering 503',
      Object.assign(new Error('Slow down'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } }),
    ],
    ['a full disk', withCode('ENOSPC: no space left on device, write', 'ENOSPC')],
  ])('answers %s with 503 service_unavailable, without leaking its message', (_, error) => {
    const problem = toProblem(error);
    expect(problem).toEqual({
      type: 'urn:clouddrive:problem:service_unavailable',
      title: 'Service unavailable',
      status: 503,
      detail: expect.stringMatching(/try again/),
      code: 'service_unavailable',
    });
    expect(problem.detail).not.toMatch(/ECONNREFUSED|10\.0\.0\.5|administrator|ENOSPC|Slow down/);
  });

  it('never answers 503 for an error that carries a client error status, whatever its cause', () => {
    const refused = withCode('connect ECONNREFUSED', 'ECONNREFUSED');
    expect(toProblem(Object.assign(new Error('Bad body'), { statusCode: 400, cause: refused }))).toMatchObject({
      status: 400,
      code: 'malformed_request',
    });
    expect(toProblem(new AppError('file_not_found', 'No.', {}))).toMatchObject({ status: 404 });
    expect(toProblem(new BadRequestException('No.', { cause: refused }))).toMatchObject({ status: 400 });
  });

  it.each([null, undefined, 'a string', 42, { statusCode: 200 }, { statusCode: '404' }])(
    'answers a thrown %j with 500 internal_error',
    (thrown) => {
      expect(toProblem(thrown)).toMatchObject({ status: 500, code: 'internal_error' });
    },
  );
});

describe('titleOf', () => {
  it('capitalises the code and replaces underscores with spaces', () => {
    expect(titleOf('route_not_found')).toBe('Route not found');
    expect(titleOf('unauthorized')).toBe('Unauthorized');
  });
});

describe('isExpected', () => {
  it.each([
    ['an AppError', new AppError('invalid_credentials', 'No.'), true],
    ['a 4xx HttpException', new NotFoundException(), true],
    ['a Fastify 4xx error', fastifyError(415, 'Unsupported Media Type'), true],
    ['a 5xx HttpException', new InternalServerErrorException(), false],
    ['a plain Error', new Error('boom'), false],
    ['a thrown string', 'boom', false],
    ['null', null, false],
  ])('%s: %s', (_, error, expected) => {
    expect(isExpected(error)).toBe(expected);
  });
});

describe('ProblemFilter', () => {
  const filter = new ProblemFilter();
  let reply: { header: jest.Mock; status: jest.Mock; type: jest.Mock; send: jest.Mock };
  let logged: jest.SpyInstance;
  const host = () =>
    ({ switchToHttp: () => ({ getResponse: () => reply, getRequest: () => ({}) }) }) as unknown as ArgumentsHost;

  beforeEach(() => {
    reply = { header: jest.fn(), status: jest.fn(), type: jest.fn(), send: jest.fn() };
    for (const method of Object.values(reply)) method.mockReturnValue(reply);
    logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => logged.mockRestore());

  it('sends the problem with its status and the problem+json content type', () => {
    const error = new AppError('credentials_in_use', 'Taken.');
    filter.catch(error, host());
    expect(reply.status).toHaveBeenCalledWith(409);
    expect(reply.type).toHaveBeenCalledWith('application/problem+json');
    expect(reply.send).toHaveBeenCalledWith(toProblem(error));
    expect(reply.header).not.toHaveBeenCalled();
  });

  it.each([
    ['an AppError', new AppError('unauthorized', 'A valid bearer token is required.')],
    ['an UnauthorizedException', new UnauthorizedException()],
  ])('asks for a bearer token (WWW-Authenticate) on a 401 from %s', (_, error) => {
    filter.catch(error, host());
    expect(reply.header).toHaveBeenCalledWith('WWW-Authenticate', 'Bearer');
    expect(reply.status).toHaveBeenCalledWith(401);
  });

  it.each([
    ['403', new AppError('forbidden', 'No.')],
    ['404', new NotFoundException()],
    ['500', new Error('boom')],
  ])('sends no WWW-Authenticate on a %s', (_, error) => {
    filter.catch(error, host());
    expect(reply.header).not.toHaveBeenCalled();
  });

  it('logs an unexpected error with its stack and answers 500 without its message', () => {
    const error = new Error('secret detail');
    filter.catch(error, host());
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('secret detail'));
    expect(reply.status).toHaveBeenCalledWith(500);
    expect(JSON.stringify(reply.send.mock.calls[0][0])).not.toContain('secret detail');
  });

  it('answers a dependency that is down with 503 and Retry-After, logged as a one-line warning', () => {
    const warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    filter.catch(withCode('connect ECONNREFUSED 10.0.0.5:5432', 'ECONNREFUSED'), host());
    expect(reply.status).toHaveBeenCalledWith(503);
    expect(reply.header).toHaveBeenCalledWith('Retry-After', String(RETRY_AFTER_SECONDS));
    expect(RETRY_AFTER_SECONDS).toBeGreaterThanOrEqual(1);
    expect(reply.send.mock.calls[0][0]).toMatchObject({ code: 'service_unavailable' });
    expect(warned).toHaveBeenCalledWith(expect.stringContaining('ECONNREFUSED'));
    expect(warned.mock.calls[0][0]).not.toContain('\n');
    expect(logged).not.toHaveBeenCalled();
    warned.mockRestore();
  });

  it('does not log expected errors', () => {
    filter.catch(new AppError('invalid_credentials', 'No.'), host());
    filter.catch(new NotFoundException(), host());
    expect(logged).not.toHaveBeenCalled();
  });
});
