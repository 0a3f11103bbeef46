import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { IMAGE_EDGE } from '@app/contracts';
import { ImageError } from './image-resizer';
import type { PdfPageReply, PdfPageRequest } from './pdf-page.protocol';

/** A PDF's first page must be rendered within this time, or its process is killed. */
export const PDF_TIMEOUT_MS = 15_000;
/** The renderer's JavaScript heap; a PDF that needs more ends its process, not the worker. */
const CHILD_HEAP_MB = 384;

/** The child's entry: JavaScript beside this file once built (and in the Lambda zip), TypeScript from source. */
function childEntry(): { file: string; execArgv: string[] } {
  const base = join(__dirname, 'pdf-page.child');
  return existsSync(`${base}.js`)
    ? { file: `${base}.js`, execArgv: [] }
    : { file: `${base}.ts`, execArgv: ['-r', '@swc-node/register'] };
}

/** The pixels of a PDF's first page, rendered inside 400×400 (RGBA). */
export interface RenderedPage {
  width: number;
  height: number;
  pixels: Uint8Array;
}

/**
 * Renders PDFs' first pages in a child process of its own, kept warm between PDFs (loading pdf.js costs ~70 ms):
 * one PDF at a time; a PDF that takes longer than 15 s, or makes the process die (memory), has it killed and
 * answers `unsupported` or `corrupt`; the next PDF starts a fresh process.
 */
@Injectable()
export class PdfRenderer implements OnModuleDestroy {
  private child?: { process: ChildProcess; ready: Promise<void> };
  private queue: Promise<unknown> = Promise.resolve();

  firstPage(pdf: Uint8Array): Promise<RenderedPage> {
    const turn = this.queue.then(() => this.render(pdf));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  onModuleDestroy(): void {
    this.stop();
  }

  private async render(pdf: Uint8Array): Promise<RenderedPage> {
    if (pdf.length === 0) throw new ImageError('corrupt', 'An empty file is not a PDF');
    const child = this.start();
    // While a PDF is being rendered, its channel keeps the process alive (a Lambda handler awaits nothing else).
    child.process.channel?.ref();
    try {
      await child.ready;
      return await this.ask(child.process, pdf);
    } finally {
      child.process.channel?.unref();
    }
  }

  private async ask(child: ChildProcess, pdf: Uint8Array): Promise<RenderedPage> {
    const reply = await new Promise<PdfPageReply>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        child.off('message', onMessage).off('exit', onExit);
      };
      const onMessage = (message: PdfPageReply): void => {
        done();
        resolve(message);
      };
      const onExit = (code: number | null, signal: string | null): void => {
        done();
        this.forget(child);
        reject(new ImageError('corrupt', `The PDF renderer ended (${signal ?? `exit ${code}`})`));
      };
      const timer = setTimeout(() => {
        done();
        this.stop();
        reject(new ImageError('unsupported', `The first page took longer than ${PDF_TIMEOUT_MS / 1000} s`));
      }, PDF_TIMEOUT_MS);
      child.on('message', onMessage).on('exit', onExit);
      child.send({ pdf, edge: IMAGE_EDGE } satisfies PdfPageRequest);
    });
    if (!reply.ok) throw new ImageError(reply.reason, reply.message);
    return { width: reply.width, height: reply.height, pixels: reply.pixels };
  }

  private start(): { process: ChildProcess; ready: Promise<void> } {
    if (this.child) return this.child;
    const { file, execArgv } = childEntry();
    const process = fork(file, [], {
      execArgv: [...execArgv, `--max-old-space-size=${CHILD_HEAP_MB}`],
      // Buffers and typed arrays cross the channel as they are (no JSON).
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const ready = new Promise<void>((resolve, reject) => {
      process.once('message', () => resolve());
      process.once('exit', (code) => reject(new Error(`The PDF renderer did not start (exit ${code})`)));
    });
    // Between PDFs, nothing waits on the child for the worker to exit.
    process.unref();
    process.channel?.unref();
    ready.catch(() => this.forget(process));
    this.child = { process, ready };
    return this.child;
  }

  private stop(): void {
    const child = this.child;
    this.child = undefined;
    child?.process.kill('SIGKILL');
  }

  private forget(process: ChildProcess): void {
    if (this.child?.process === process) this.child = undefined;
  }
}
