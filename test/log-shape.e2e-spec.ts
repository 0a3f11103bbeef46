import fastify from 'fastify';
import { Writable } from 'node:stream';
import { loadConfig } from '@app/config';
import { JsonLogger, loggerOptions } from '../apps/api/src/common/http/logging';
import { workersLogger } from '../apps/workers/src/bootstrap';

/** A stream keeping the lines written to it, parsed. */
function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  let written = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      written += chunk.toString();
      done();
    },
  });
  return {
    stream,
    lines: () =>
      written
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
  };
}

/** One log stream for the API and the workers (on the API's thread in the embedded mode): one shape of line. */
describe('the API and the workers log alike', () => {
  const config = loadConfig({
    DATABASE_URL: 'postgres://x/y',
    JWT_SECRET: 'j'.repeat(32),
    LAMBDA_SECRET: 'l'.repeat(32),
  });

  it('as JSON lines with the same fields, level as a word, ISO time, the writer in `context`', () => {
    const api = capture();
    // The API's Nest logger writes through Fastify's pino, made from the API's logger options.
    const apiLogger = new JsonLogger(
      fastify({ logger: { ...(loggerOptions(config) as object), stream: api.stream } }).log,
    );
    apiLogger.log('listening', 'Main');
    apiLogger.warn('careful', 'Main');

    const workers = capture();
    const logger = workersLogger(config, workers.stream);
    logger.log('processing', 'UploadProcessor');
    logger.warn('careful', 'UploadProcessor');

    const [apiInfo, apiWarn] = api.lines();
    const [workersInfo, workersWarn] = workers.lines();
    expect(Object.keys(workersInfo).sort()).toEqual(Object.keys(apiInfo).sort());
    expect(Object.keys(apiInfo).sort()).toEqual(['context', 'hostname', 'level', 'msg', 'pid', 'time']);
    for (const [line, level, context, msg] of [
      [apiInfo, 'info', 'Main', 'listening'],
      [apiWarn, 'warn', 'Main', 'careful'],
      [workersInfo, 'info', 'UploadProcessor', 'processing'],
      [workersWarn, 'warn', 'UploadProcessor', 'careful'],
    ] as const) {
      expect(line).toMatchObject({ level, context, msg, pid: process.pid });
      expect(new Date(line.time as string).toISOString()).toBe(line.time);
    }
  });
});
