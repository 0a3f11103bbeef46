/** `preview <path> [-o file]`: saves an image's preview, waiting while the workers make it. */
import { rename } from 'node:fs/promises';
import { parse } from 'node:path';
import { ApiError } from '@app/sdk';
import type { Context } from '../context';
import { CliError, EXIT, usageError } from '../errors';
import { getToFile, withRetries } from '../http';
import { Drive } from '../remote';

export async function preview(ctx: Context, path: string, options: { output?: string; timeout: number }) {
  const drive = new Drive(ctx.client());
  const target = await drive.resolve(path);
  if (target.kind !== 'file') throw usageError(`${path} is a folder: previews are of images.`);
  const deadline = Date.now() + options.timeout * 1000;
  for (;;) {
    const { data, error, response } = await drive.client.GET('/image-preview/{file_id}', {
      params: { path: { file_id: target.file.id } },
    });
    if (!response.ok) throw ApiError.from(response, error);
    if (response.status === 200 && data && 'url' in data) {
      const part = ctx.local(`${options.output ?? parse(target.file.name).name}.clouddrive-part`);
      const type = await withRetries(() => getToFile(data.url, part, () => undefined));
      // Named after what it is (JPEG, or WebP for an image with transparency) unless -o names it.
      const file =
        options.output ?? `${parse(target.file.name).name}.preview.${/webp/i.test(type ?? '') ? 'webp' : 'jpg'}`;
      await rename(part, ctx.local(file));
      ctx.output.result(
        { file_id: target.file.id, path: file, width: data.width, height: data.height },
        () => `saved ${file} (${data.width}×${data.height})`,
      );
      return EXIT.ok;
    }
    if (Date.now() > deadline) {
      throw new CliError(
        'preview_pending',
        `The preview is still being made after ${options.timeout} s.`,
        EXIT.unavailable,
      );
    }
    const seconds = Number(response.headers.get('retry-after')) || 1;
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  }
}
