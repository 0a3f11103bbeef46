import { BRIEF_BACKOFF, OUTAGE_BACKOFF, storageBackoff, withRetries } from './retry';

describe('withRetries', () => {
  let waits: number[];

  beforeEach(() => {
    waits = [];
    jest.spyOn(globalThis, 'setTimeout').mockImplementation(((callback: () => void, ms?: number) => {
      waits.push(ms ?? 0);
      callback();
      return 0 as unknown as NodeJS.Timeout;
    }) as typeof setTimeout);
  });
  afterEach(() => jest.restoreAllMocks());

  const failing = (error: unknown) => jest.fn().mockRejectedValue(error);

  it('answers with the first success, without waiting', async () => {
    await expect(withRetries(async () => 'done')).resolves.toBe('done');
    expect(waits).toEqual([]);
  });

  it('tries a storage failure a few times, briefly', async () => {
    const attempt = failing(new Error('InternalError?'));
    await expect(withRetries(attempt)).rejects.toThrow('InternalError?');
    expect(attempt).toHaveBeenCalledTimes(BRIEF_BACKOFF.attempts);
    expect(waits).toEqual([200, 400]);
  });

  it('waits out a store that is down for ~12 s, backing off up to 4 s', async () => {
    const down = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const attempt = failing(down);
    await expect(withRetries(attempt)).rejects.toBe(down);
    expect(attempt).toHaveBeenCalledTimes(OUTAGE_BACKOFF.attempts);
    expect(waits).toEqual([250, 500, 1000, 2000, 4000, 4000]);
  });

  it('stops at once when the policy says a failure is not worth another try', async () => {
    const attempt = failing(new Error('no'));
    const heard = jest.fn();
    await expect(withRetries(attempt, () => undefined, heard)).rejects.toThrow('no');
    expect(attempt).toHaveBeenCalledTimes(1);
    expect(heard).not.toHaveBeenCalled();
  });

  it('tells onRetry of each failure tried again, and succeeds once the call does', async () => {
    const attempt = jest.fn().mockRejectedValueOnce(new Error('a')).mockResolvedValueOnce('b');
    const heard = jest.fn();
    await expect(withRetries(attempt, storageBackoff, heard)).resolves.toBe('b');
    expect(heard).toHaveBeenCalledWith(expect.any(Error), 2, BRIEF_BACKOFF.attempts);
  });
});
