import { ApiError } from '@app/sdk';
import { CliError, EXIT, exitCodeOfStatus, NetworkError } from './errors';
import { formatBytes, Output } from './output';
import { Progress } from './progress';

/** A stream that keeps what is written (a pipe: not a terminal). */
function sink(isTTY = false) {
  const written: string[] = [];
  const stream = { isTTY, write: (text: string) => written.push(text) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, text: () => written.join('') };
}

describe('Output', () => {
  it('prints the problem detail and code, and answers the exit code of its status', () => {
    const out = sink();
    const err = sink();
    const output = new Output({ json: false, quiet: false, noColor: false }, out.stream, err.stream);
    const invalid = new ApiError(422, 'validation_failed', '1 field is invalid.', {
      errors: [{ field: 'file_id', message: 'file_id must be a UUID' }],
    });
    expect(output.error(invalid)).toBe(EXIT.invalid);
    expect(err.text()).toBe(
      'clouddrive: 1 field is invalid. (422 validation_failed)\n  file_id: file_id must be a UUID\n',
    );
    expect(output.interactive).toBe(false);
  });

  it('with --json, writes documents to stdout and the error as a document to stderr', () => {
    const out = sink(true);
    const err = sink(true);
    const output = new Output({ json: true, quiet: false, noColor: false }, out.stream, err.stream);
    output.result({ a: 1 }, () => 'not this');
    output.event({ event: 'x' }, () => 'nor this');
    output.note('a remark');
    expect(output.error(new NetworkError('http://api.test/x', new Error('refused')))).toBe(EXIT.unavailable);
    expect(out.text()).toBe('{"a":1}\n{"event":"x"}\n');
    expect(JSON.parse(err.text()).error).toMatchObject({ code: 'network_error' });
    expect(output.interactive).toBe(false);
  });

  it('maps statuses and its own failures to the documented exit codes', () => {
    expect([401, 403, 404, 409, 412, 413, 507, 400, 422, 429, 503, 302].map(exitCodeOfStatus)).toEqual([
      3, 4, 5, 6, 6, 7, 7, 8, 8, 9, 9, 1,
    ]);
    const output = new Output({ json: false, quiet: true, noColor: false }, sink().stream, sink().stream);
    expect(output.error(new CliError('usage', 'wrong', EXIT.usage))).toBe(2);
    expect(output.error(new Error('a bug'))).toBe(1);
  });

  it('writes sizes in decimal units', () => {
    expect([0, 999, 1500, 12_345_678, 5 * 1024 ** 3].map(formatBytes)).toEqual([
      '0 B',
      '999 B',
      '1.50 KB',
      '12.3 MB',
      '5.37 GB',
    ]);
  });
});

describe('Progress off a terminal', () => {
  const progressOf = () => {
    const out = sink();
    const output = new Output({ json: true, quiet: false, noColor: false }, out.stream, sink().stream);
    return { progress: new Progress(output, 'upload', ['uploaded', 'exists', 'failed']), out };
  };

  it('streams an event per file and a summary; some failed is exit 10', () => {
    const { progress, out } = progressOf();
    progress.begin({ files: 2, bytes: 10 });
    progress.started('a', 'a', 10);
    progress.advanced('a', 10);
    progress.done('a');
    progress.record('uploaded', { remote: '/a' }, 'uploaded /a');
    progress.failed({ remote: '/b' }, new ApiError(409, 'file_name_conflict', 'taken'));
    expect(progress.summary()).toBe(EXIT.partial);
    const lines = out
      .text()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.event)).toEqual(['uploaded', 'failed', 'summary']);
    expect(lines[1]).toMatchObject({ remote: '/b', status: 409, code: 'file_name_conflict' });
    expect(lines[2]).toMatchObject({ uploaded: 1, exists: 0, failed: 1, bytes: 10 });
  });

  it('answers the one reason when every file failed for it, and 0 when none did', () => {
    const { progress } = progressOf();
    progress.failed({ remote: '/a' }, new ApiError(403, 'permission_denied', 'no'));
    progress.failed({ remote: '/b' }, new ApiError(403, 'permission_denied', 'no'));
    expect(progress.summary()).toBe(EXIT.forbidden);
    const fine = progressOf().progress;
    fine.record('exists', { remote: '/a' }, 'exists /a');
    expect(fine.summary()).toBe(EXIT.ok);
  });
});
