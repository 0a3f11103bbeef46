import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '@app/config';

/**
 * The process's one connection to the Redis of REDIS_URL, shared by the rate limits and the cache, and made only
 * when one of them asks for it. No offline queue, one try per command: while Redis is away a command fails at once,
 * and its caller falls back (the rate limits count in memory, the cache reads the database) rather than wait.
 */
@Injectable()
export class RedisConnection implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  private redis?: Redis;

  constructor(@Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'redis'>) {}

  /** The connection (connected when the module starts), or undefined when REDIS_URL is unset. */
  client(): Redis | undefined {
    const url = this.config.redis.url;
    if (!url || this.redis) return this.redis;
    this.redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    let reported = false;
    this.redis.on('error', (error: Error) => {
      if (!reported) this.logger.warn(`${error.message}; its users fall back until it is back`);
      reported = true;
    });
    this.redis.on('ready', () => (reported = false));
    return this.redis;
  }

  async onModuleInit(): Promise<void> {
    await this.redis?.connect().catch(() => undefined); // reported by the error listener; it goes on trying
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.redis) return;
    await (this.redis.status === 'ready' ? this.redis.quit().then(() => undefined) : this.redis.disconnect());
  }
}

@Global()
@Module({ providers: [RedisConnection], exports: [RedisConnection] })
export class RedisModule {}
