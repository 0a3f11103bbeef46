/**
 * The self-hosted workers (`npm run start:workers`): an HTTP receiver of bucket notifications, next to a
 * self-hosted S3 server (MinIO, Ceph). Needs storage access, the API's URL, LAMBDA_SECRET and WORKERS_TOKEN.
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigError, loadWorkersConfig } from '@app/config';
import { createWorkersContext } from './bootstrap';
import { EventDispatcher } from './processing/event-dispatcher';
import { NotificationReceiver } from './receivers/notification-receiver';

async function main(): Promise<void> {
  const config = loadWorkersConfig();
  const { port, token } = config.workers.receiver;
  if (!token) throw new ConfigError(['WORKERS_TOKEN is required: the receiver accepts only notifications bearing it']);
  const context = await createWorkersContext(config);
  const receiver = new NotificationReceiver(context.get(EventDispatcher), token);
  const bound = await receiver.listen(port, config.http.host);
  new Logger('Workers').log(`Bucket notifications: POST /events; listening on http://${config.http.host}:${bound}`);
  const stop = async (): Promise<void> => {
    await receiver.close();
    await context.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((error: unknown) => {
  // Before the logger exists: say what is wrong plainly and exit non-zero.
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
