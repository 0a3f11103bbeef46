import { Logger } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { ApiCallError, ApiClient, FileUploadConfirmation } from './api-client';
import { withDeadline } from './deadline';

const API_URL = 'http://api.internal:8080';
const SECRET = 'the-shared-secret-of-the-workers-and-the-api';

const confirmation: FileUploadConfirmation = {
  file_id: '3f0c2a4e-8b1d-4c5e-9f6a-7b8c9d0e1f2a',
  size_in_bytes: 42,
  content_type: 'image/png',
  object_key: 'files/0b7c3f0e-8f4a-4d2e-9a55-3b1f1d2c4e5f/3f0c2a4e-8b1d-4c5e-9f6a-7b8c9d0e1f2a',
};

/** An answer of the API: a JSON body (a problem for errors), or some other text. */
function answer(status: number, body?: unknown): Response {
  if (typeof body === 'string') return new Response(body, { status, headers: { 'content-type': 'text/html' } });
  const type = status >= 400 ? 'application/problem+json' : 'application/json';
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': type } });
}

const problem = (status: number, code: string) => answer(status, { status, code, detail: `It is ${code}.` });

const configWith = (apiRetryBudgetMs: number) =>
  ({ workers: { apiUrl: API_URL, apiRetryBudgetMs }, auth: { lambdaSecret: SECRET } }) as unknown as AppConfig;

describe('ApiClient', () => {
  let fetchMock: jest.SpyInstance;
  /** The backoff waits, in milliseconds, in order (they are not waited for). */
  let waits: number[];
  let warnings: jest.SpyInstance;
  let client: ApiClient;

  beforeEach(() => {
    fetchMock = jest.spyOn(globalThis, 'fetch');
    waits = [];
    jest.spyOn(globalThis, 'setTimeout').mockImplementation(((callback: () => void, ms?: number) => {
      waits.push(ms ?? 0);
      callback();
      return 0 as unknown as NodeJS.Timeout;
    }) as typeof setTimeout);
    warnings = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    client = new ApiClient(configWith(60_000));
  });

  afterEach(() => jest.restoreAllMocks());

  const failure = (promise: Promise<unknown>): Promise<ApiCallError> =>
    promise.then(
      () => {
        throw new Error('expected the call to fail');
      },
      (error: unknown) => {
        expect(error).toBeInstanceOf(ApiCallError);
        return error as ApiCallError;
      },
    );

  it('posts the confirmation as JSON to the API, with the shared secret, and answers with what the API answered', async () => {
    const confirmed = {
      file_id: confirmation.file_id,
      status: 'confirmed',
      size_in_bytes: 42,
      content_type: 'image/png',
    };
    fetchMock.mockResolvedValueOnce(answer(200, confirmed));

    await expect(client.confirmFileUpload(confirmation)).resolves.toEqual(confirmed);

    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit];
    expect(url).toBe(`${API_URL}/confirm-file-upload`);
    expect(init.method).toBe('POST');
    expect(init.headers).toEqual({ 'content-type': 'application/json', 'x-lambda-secret': SECRET });
    expect(JSON.parse(init.body as string)).toEqual(confirmation);
    expect(init.signal).toBeInstanceOf(AbortSignal);
    expect(waits).toEqual([]);
  });

  it('reads the API’s address at each call (the embedded runner learns it late)', async () => {
    const config = configWith(60_000);
    const late = new ApiClient(config);
    config.workers.apiUrl = 'http://127.0.0.1:45678';
    fetchMock.mockResolvedValueOnce(answer(200, { status: 'confirmed' }));
    await late.confirmFileUpload(confirmation);
    expect(fetchMock.mock.calls[0][0]).toBe('http://127.0.0.1:45678/confirm-file-upload');
  });

  it.each([
    ['a 500', () => problem(500, 'internal_error'), [200, 400], 4],
    ['a 502 that is not JSON', () => answer(502, '<html>Bad gateway</html>'), [250, 500], 7],
    ['a 503', () => problem(503, 'service_unavailable'), [250, 500], 7],
    ['a 429', () => problem(429, 'too_many_requests'), [200, 400], 4],
    ['409 upload_missing (the bytes are not visible yet)', () => problem(409, 'upload_missing'), [200, 400], 4],
  ])(
    'tries again after %s, with the same request, and answers once the API does',
    async (_, transient, backoff, of) => {
      fetchMock
        .mockResolvedValueOnce(transient())
        .mockResolvedValueOnce(transient())
        .mockResolvedValueOnce(answer(200, { status: 'confirmed' }));

      await expect(client.confirmFileUpload(confirmation)).resolves.toEqual({ status: 'confirmed' });

      expect(fetchMock).toHaveBeenCalledTimes(3);
      const bodies = fetchMock.mock.calls.map(([, init]) => (init as RequestInit).body);
      expect(new Set(bodies).size).toBe(1);
      for (const [, init] of fetchMock.mock.calls) {
        expect((init as RequestInit).headers).toMatchObject({ 'x-lambda-secret': SECRET });
      }
      // Exponential backoff, from 250 ms while the API is down (503 and the like), 200 ms otherwise.
      expect(waits).toEqual(backoff);
      expect(warnings).toHaveBeenCalledTimes(2);
      expect(warnings.mock.calls[0][0]).toContain(`attempt 2 of ${of}`);
    },
  );

  it('tries again when the API cannot be reached at all', async () => {
    fetchMock
      .mockRejectedValueOnce(new TypeError('fetch failed'))
      .mockResolvedValueOnce(answer(200, { status: 'confirmed' }));
    await expect(client.confirmFileUpload(confirmation)).resolves.toEqual({ status: 'confirmed' });
    expect(fetchMock).toHaveBeenCalledTimes(2);
    expect(waits).toEqual([250]);
  });

  it('gives up after 4 attempts at a 500, backing off 200, 400 and 800 ms, and throws the last failure', async () => {
    fetchMock.mockImplementation(async () => problem(500, 'internal_error'));
    const error = await failure(client.confirmFileUpload(confirmation));
    expect(fetchMock).toHaveBeenCalledTimes(4);
    expect(waits).toEqual([200, 400, 800]);
    expect(error).toMatchObject({ status: 500, code: 'internal_error', transient: true });
    expect(error.message).toBe('500 internal_error It is internal_error.');
  });

  it('waits out an API that answers 503 for ~12 s (7 attempts, backing off up to 4 s), then throws the last failure', async () => {
    fetchMock.mockImplementation(async () => problem(503, 'service_unavailable'));
    const error = await failure(client.confirmFileUpload(confirmation));
    expect(fetchMock).toHaveBeenCalledTimes(7);
    expect(waits).toEqual([250, 500, 1000, 2000, 4000, 4000]);
    expect(error).toMatchObject({ status: 503, code: 'service_unavailable', transient: true, outage: true });
    expect(error.message).toBe('503 service_unavailable It is service_unavailable.');
  });

  it('gives up after 7 attempts when the network keeps failing, as a status 0 failure', async () => {
    fetchMock.mockRejectedValue(new TypeError('fetch failed'));
    const error = await failure(client.confirmFileUpload(confirmation));
    expect(fetchMock).toHaveBeenCalledTimes(7);
    expect(error).toMatchObject({ status: 0, code: undefined, transient: true });
    expect(error.message).toContain('fetch failed');
  });

  it.each([
    [400, 'malformed_request'],
    [403, 'forbidden'],
    [404, 'file_not_found'],
    [409, 'upload_not_pending'],
    [422, 'validation_failed'],
  ])('does not try again after %i %s: it throws at once', async (status, code) => {
    fetchMock.mockResolvedValue(problem(status, code));
    const error = await failure(client.confirmFileUpload(confirmation));
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(waits).toEqual([]);
    expect(error).toMatchObject({ status, code, transient: false });
    expect(error.message).toBe(`${status} ${code} It is ${code}.`);
  });

  it('fails with the status alone when an error answer is not JSON', async () => {
    fetchMock.mockResolvedValue(answer(404, 'Not here'));
    const error = await failure(client.confirmFileUpload(confirmation));
    expect(error).toMatchObject({ status: 404, code: undefined, message: '404' });
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });

  describe('its time budget', () => {
    /** A clock that only the test moves: each attempt takes `attemptMs`, each backoff wait its length. */
    let now: number;
    let attemptTimeouts: number[];

    beforeEach(() => {
      now = 1_000_000;
      attemptTimeouts = [];
      jest.spyOn(Date, 'now').mockImplementation(() => now);
      const timeout = AbortSignal.timeout.bind(AbortSignal);
      jest.spyOn(AbortSignal, 'timeout').mockImplementation((ms: number) => {
        attemptTimeouts.push(ms);
        return timeout(ms);
      });
      (setTimeout as unknown as jest.Mock).mockImplementation(((callback: () => void, ms?: number) => {
        waits.push(ms ?? 0);
        now += ms ?? 0;
        callback();
        return 0 as unknown as NodeJS.Timeout;
      }) as typeof setTimeout);
    });

    /** Every attempt fails after `attemptMs`, or at its own timeout when that comes first. */
    const slowFailures = (attemptMs: number) =>
      fetchMock.mockImplementation(async () => {
        now += Math.min(attemptMs, attemptTimeouts[attemptTimeouts.length - 1]);
        return problem(503, 'service_unavailable');
      });

    it('gives each attempt at most 10 s, and never more than the budget left', async () => {
      client = new ApiClient(configWith(12_000));
      slowFailures(10_000);
      const error = await failure(client.confirmFileUpload(confirmation));
      expect(error).toMatchObject({ status: 503 });
      // 10 s, the outage backoff's first 250 ms wait, then the 1.75 s that remain.
      expect(attemptTimeouts).toEqual([10_000, 1_750]);
      expect(waits).toEqual([250]);
      expect(now - 1_000_000).toBeLessThanOrEqual(12_000);
    });

    it('stops trying when the budget cannot fit another attempt after the wait', async () => {
      client = new ApiClient(configWith(3_000));
      slowFailures(1_000);
      await failure(client.confirmFileUpload(confirmation));
      // 1 s, wait 0.25 s, 1 s, then a 0.5 s wait would leave 0.25 s, less than an attempt needs.
      expect(fetchMock).toHaveBeenCalledTimes(2);
      expect(waits).toEqual([250]);
      expect(now - 1_000_000).toBeLessThanOrEqual(3_000);
    });

    it('ends by the invocation’s deadline when it comes before the budget', async () => {
      client = new ApiClient(configWith(60_000));
      slowFailures(4_000);
      const deadline = now + 9_000;
      await failure(withDeadline(deadline, () => client.confirmFileUpload(confirmation)));
      expect(attemptTimeouts[0]).toBe(9_000);
      expect(now).toBeLessThanOrEqual(deadline);
      expect(fetchMock).toHaveBeenCalledTimes(2);
    });

    it('does not call the API at all once the deadline has passed', async () => {
      const error = await failure(withDeadline(now - 1, () => client.confirmFileUpload(confirmation)));
      expect(fetchMock).not.toHaveBeenCalled();
      expect(error.message).toMatch(/no time left for \/confirm-file-upload/);
    });

    it('keeps the worst case of every retry inside a 15 s function, as the stack sets it', async () => {
      client = new ApiClient(configWith(10_000));
      fetchMock.mockImplementation(async (_url: unknown, init: RequestInit) => {
        now += attemptTimeouts[attemptTimeouts.length - 1];
        expect(init.signal).toBeInstanceOf(AbortSignal);
        throw new TypeError('fetch failed');
      });
      await failure(client.confirmFileUpload(confirmation));
      expect(now - 1_000_000).toBeLessThanOrEqual(10_000);
    });
  });
});

describe('ApiCallError.transient', () => {
  it.each([
    [0, undefined, true],
    [500, 'internal_error', true],
    [503, undefined, true],
    [429, 'too_many_requests', true],
    [409, 'upload_missing', true],
    [409, 'upload_not_pending', false],
    [404, 'file_not_found', false],
    [403, 'forbidden', false],
    [422, 'validation_failed', false],
  ])('is %s/%s → %s', (status, code, transient) => {
    expect(new ApiCallError(status, code, 'x').transient).toBe(transient);
  });
});

describe('ApiCallError.outage', () => {
  it.each([
    [0, true],
    [502, true],
    [503, true],
    [504, true],
    [500, false],
    [429, false],
    [409, false],
  ])('is %s → %s', (status, outage) => {
    expect(new ApiCallError(status, undefined, 'x').outage).toBe(outage);
  });
});
