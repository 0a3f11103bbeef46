/**
 * A folder of 2 GB downloaded as one zip (`npm run bench -- zip` alone): its throughput beside plain presigned
 * downloads of the same files from the same store (the ceiling), and the API's memory (RSS) while it zips, beside
 * its memory before. The zip is read as fast as this process can drain it.
 */
import { createCloudDriveClient, putUpload, unwrap } from '@app/sdk';

const FILES = 20;
const FILE_BYTES = 100 * 1000 * 1000;

export interface ArchiveFigures {
  zipBytes: number;
  /** MB/s (10^6 bytes). */
  zipRate: number;
  plainRate: number;
  rssBeforeMiB: number;
  rssPeakZipMiB: number;
  rssPeakPlainMiB: number;
}

/** Reads the response to its end, counting bytes; meanwhile samples the API's RSS. */
async function drain(url: string, rss: () => number): Promise<{ bytes: number; seconds: number; peakMiB: number }> {
  let peakMiB = rss();
  const sampler = setInterval(() => (peakMiB = Math.max(peakMiB, rss())), 50);
  const began = performance.now();
  try {
    const res = await fetch(url);
    if (!res.ok || !res.body) throw new Error(`GET answered ${res.status}`);
    let bytes = 0;
    for await (const chunk of res.body) bytes += (chunk as Uint8Array).byteLength;
    return { bytes, seconds: (performance.now() - began) / 1000, peakMiB };
  } finally {
    clearInterval(sampler);
  }
}

export async function archiveFigures(url: string, token: string, rss: () => number): Promise<ArchiveFigures> {
  const api = createCloudDriveClient({ baseUrl: url, token: () => token });
  const folder = await unwrap(api.POST('/drive', { body: { folder_name: `zip-${Date.now().toString(36)}` } }));
  console.log(`Zip: ${FILES} files of ${FILE_BYTES / 1e6} MB uploaded…`);
  const ids: string[] = [];
  for (let i = 0; i < FILES; i++) {
    const body = Buffer.alloc(FILE_BYTES, i + 1);
    const { file, upload } = await unwrap(
      api.POST('/file', {
        body: { file_name: `part-${i}.bin`, file_size_in_bytes: FILE_BYTES, parent_folder_id: folder.id },
      }),
    );
    await putUpload(upload, body);
    ids.push(file.id);
  }
  // Confirmed by the in-process workers: the zip holds confirmed files only.
  for (;;) {
    const link = await unwrap(api.POST('/drive/{folder_id}/archive', { params: { path: { folder_id: folder.id } } }));
    if (link.file_count === FILES) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const rssBeforeMiB = rss();

  console.log('Zip: the plain downloads, then the zip…');
  let plainBytes = 0;
  let plainSeconds = 0;
  let rssPeakPlainMiB = 0;
  for (const id of ids) {
    const download = await unwrap(api.GET('/file/{file_id}', { params: { path: { file_id: id } } }));
    const got = await drain(download.url, rss);
    plainBytes += got.bytes;
    plainSeconds += got.seconds;
    rssPeakPlainMiB = Math.max(rssPeakPlainMiB, got.peakMiB);
  }
  const link = await unwrap(api.POST('/drive/{folder_id}/archive', { params: { path: { folder_id: folder.id } } }));
  const zip = await drain(link.url, rss);
  return {
    zipBytes: zip.bytes,
    zipRate: zip.bytes / 1e6 / zip.seconds,
    plainRate: plainBytes / 1e6 / plainSeconds,
    rssBeforeMiB,
    rssPeakZipMiB: zip.peakMiB,
    rssPeakPlainMiB,
  };
}

export function archiveRows(figures: ArchiveFigures): string[][] {
  const mib = (value: number) => `${value.toFixed(0)} MiB`;
  return [
    [
      `A folder of ${FILES} × ${FILE_BYTES / 1e6} MB as one zip (${(figures.zipBytes / 1e9).toFixed(2)} GB), embedded store: the zip / the same files' presigned downloads (ceiling)`,
      `${figures.zipRate.toFixed(0)} MB/s / ${figures.plainRate.toFixed(0)} MB/s (${((100 * figures.zipRate) / figures.plainRate).toFixed(0)} %)`,
      '',
    ],
    [
      'API memory (peak RSS) while it sends that zip / while it serves the plain downloads / before',
      `${mib(figures.rssPeakZipMiB)} / ${mib(figures.rssPeakPlainMiB)} / ${mib(figures.rssBeforeMiB)}`,
      'flat, whatever the folder’s size',
    ],
  ];
}
