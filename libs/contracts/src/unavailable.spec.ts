import { S3Client, HeadObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { DatabaseError } from 'pg-protocol';
import { Client } from 'pg';
import { QueryFailedError } from 'typeorm';
import { freePort } from '@app/testing';
import { AppError } from './app-error';
import { isUnavailable } from './unavailable';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
const pgError = (code: string, message: string) => {
  const error = new DatabaseError(message, message.length, 'error');
  error.code = code;
  return error;
};
const s3Error = (name: string, httpStatusCode: number) =>
  new S3ServiceException({ name, $fault: httpStatusCode >= 500 ? 'server' : 'client', $metadata: { httpStatusCode } });

describe('isUnavailable', () => {
  it('knows node-postgres failing to reach a server that is down (a real connect)', async () => {
    const client = new Client({ host: '127.0.0.1', port: await freePort(), user: 'nobody' });
    const error = await client.connect().then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(isUnavailable(error)).toBe(true);
  });

  it('knows the AWS SDK failing to reach an S3 server that is down (a real request)', async () => {
    const s3 = new S3Client({
      endpoint: `http://127.0.0.1:${await freePort()}`,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      maxAttempts: 1,
    });
    const error = await s3.send(new HeadObjectCommand({ Bucket: 'b', Key: 'k' })).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    s3.destroy();
    expect(isUnavailable(error)).toBe(true);
  });

  it.each([
    ['57P01 admin_shutdown', pgError('57P01', 'terminating connection due to administrator command')],
    ['57P03 cannot_connect_now', pgError('57P03', 'the database system is starting up')],
    ['08006 connection_failure', pgError('08006', 'connection failure')],
    ['53300 too_many_connections', pgError('53300', 'sorry, too many clients already')],
    ['a connection that ended under a query', new Error('Connection terminated unexpectedly')],
    ['a pool that could not hand out a client in time', new Error('timeout exceeded when trying to connect')],
    [
      'a connect that timed out',
      new Error('Connection terminated due to connection timeout', { cause: new Error('timeout') }),
    ],
    ['ECONNRESET', withCode('read ECONNRESET', 'ECONNRESET')],
    ['a DNS name that does not resolve now', withCode('getaddrinfo EAI_AGAIN db', 'EAI_AGAIN')],
    ['a full disk', withCode('ENOSPC: no space left on device, write', 'ENOSPC')],
    ['a failing disk', withCode('EIO: i/o error, read', 'EIO')],
    ['a read-only disk', withCode('EROFS: read-only file system', 'EROFS')],
    ['S3 answering 503 SlowDown', s3Error('SlowDown', 503)],
    ['S3 answering 500 InternalError', s3Error('InternalError', 500)],
    ['the SDK timing out a socket', Object.assign(new Error('socket timed out'), { name: 'TimeoutError' })],
    ['fetch failing to connect', new TypeError('fetch failed', { cause: withCode('connect', 'ECONNREFUSED') })],
    ['an AggregateError of refused connections', new AggregateError([withCode('connect', 'ECONNREFUSED')], 'x')],
  ])('knows %s', (_, error) => {
    expect(isUnavailable(error)).toBe(true);
  });

  it('looks into TypeORM’s QueryFailedError for the driver’s error', () => {
    const shutdown = pgError('57P01', 'terminating connection due to administrator command');
    expect(isUnavailable(new QueryFailedError('SELECT 1', [], shutdown))).toBe(true);
  });

  it.each([
    ['a unique violation', new QueryFailedError('INSERT', [], pgError('23505', 'duplicate key'))],
    ['an invalid input', new QueryFailedError('SELECT', [], pgError('22P02', 'invalid input syntax for type uuid'))],
    ['a statement cancelled by its timeout', pgError('57014', 'canceling statement due to statement timeout')],
    ['S3 refusing access (our configuration)', s3Error('AccessDenied', 403)],
    ['a missing object', s3Error('NoSuchKey', 404)],
    ['a missing file', withCode('ENOENT: no such file or directory', 'ENOENT')],
    ['a file we may not read', withCode('EACCES: permission denied', 'EACCES')],
    ['an error that only mentions a network code', new Error('connect ECONNREFUSED 10.0.0.5:5432')],
    ['an AppError', new AppError('file_not_found', 'There is no such file.')],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['null', null],
    ['a string', 'ECONNREFUSED'],
  ])('does not take %s for unavailability', (_, error) => {
    expect(isUnavailable(error)).toBe(false);
  });
});
