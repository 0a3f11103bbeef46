import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { BcryptPool } from './bcrypt-pool';

/**
 * bcrypt with the configured cost, on a pool of worker threads: bcryptjs computes in JavaScript, and on the main
 * thread eight concurrent logins held every other request for seconds.
 */
@Injectable()
export class PasswordHasher implements OnApplicationShutdown {
  private readonly pool: BcryptPool;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.pool = new BcryptPool(config.auth.bcryptThreads);
  }

  hash(password: string): Promise<string> {
    return this.pool.hash(password, this.config.auth.bcryptCost);
  }

  verify(password: string, hash: string): Promise<boolean> {
    return this.pool.compare(password, hash);
  }

  // On shutdown, not on module destroy: Nest closes the HTTP server between the two, so logins in flight finish.
  onApplicationShutdown(): Promise<void> {
    return this.pool.close();
  }
}
