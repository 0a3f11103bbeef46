import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { APP_CONFIG, AppConfig } from '@app/config';
import { LocalObjectStorage } from '@app/storage';

/**
 * The workers' entry for the embedded mode, found by path: the API never imports the workers' code, it
 * runs it on a thread. Built, it is JavaScript beside the API's; from source (tests, `nest start`), TypeScript.
 */
function workersEntry(): { file: string; execArgv: string[] } {
  const base = join(__dirname, '..', '..', '..', '..', 'workers', 'src', 'embedded');
  return existsSync(`${base}.js`)
    ? { file: `${base}.js`, execArgv: [] }
    : { file: `${base}.ts`, execArgv: ['-r', '@swc-node/register'] };
}

/** In the embedded mode, runs the workers on a thread and feeds them the local store's new objects. */
@Injectable()
export class EmbeddedWorkers implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('EmbeddedWorkers');
  private worker?: Worker;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly storage: LocalObjectStorage,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.workers.embedded) return;
    const { file, execArgv } = workersEntry();
    const worker = new Worker(file, { execArgv, workerData: { config: this.config } });
    worker.on('error', (error) => this.logger.error(`The workers' thread failed: ${error.message}`));
    worker.unref();
    this.worker = worker;
    this.storage.onObjectCreated((record) => worker.postMessage({ record, apiUrl: this.apiUrl() }));
  }

  async onApplicationShutdown(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    const stopped = new Promise((resolve) => worker.once('message', resolve).once('exit', resolve));
    worker.postMessage('stop');
    await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 3000).unref())]);
    await worker.terminate();
  }

  /** Where this server listens now (in-process, that is the truth, whatever PORT or API_URL say). */
  private apiUrl(): string {
    const address = this.adapterHost.httpAdapter.getHttpServer().address() as AddressInfo | null;
    if (!address) return this.config.workers.apiUrl;
    const host = ['0.0.0.0', '::'].includes(address.address) ? '127.0.0.1' : address.address;
    return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  }
}
