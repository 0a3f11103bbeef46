import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Client, ClientConfig, Pool } from 'pg';
import { DataSource } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/** What a listener is told: a notification's payload, or that it may have missed some (after a reconnection). */
export interface NotificationHandlers {
  message(payload: string): void;
  /** The connection was lost and is back: notifications sent meanwhile are lost, so look again. */
  resync(): void;
}

const RECONNECT_DELAY_MS = 1000;

/**
 * LISTEN on a PostgreSQL server, on a connection of its own made with the pool's settings (its server, credentials
 * and TLS). A NOTIFY sent inside a transaction is delivered when it commits, in commit order, to every
 * process listening: the API's replicas hear each other's changes through it. Reconnects after a loss, and says so.
 * Not for the embedded PostgreSQL, whose one connection is the queue of all statements.
 */
@Injectable()
export class PostgresListener implements OnApplicationShutdown {
  private readonly logger = new Logger('PostgresListener');
  private client: Client | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly dataSource: DataSource) {}

  /**
   * Listens on `channel` until the application shuts down, connecting again after a loss. Resolves after the first
   * attempt (a server down at start-up is retried, like a loss).
   */
  listen(channel: string, handlers: NotificationHandlers): Promise<void> {
    return this.connect(channel, handlers, false);
  }

  private async connect(channel: string, handlers: NotificationHandlers, missedSome: boolean): Promise<void> {
    if (this.stopped) return;
    let client: Client | undefined;
    let lost = false;
    const retry = (error: Error): void => {
      if (lost || this.stopped) return;
      lost = true;
      this.logger.warn(`LISTEN ${channel}: ${error.message}; connecting again`);
      if (client) {
        client.removeAllListeners('notification');
        void client.end().catch(() => undefined);
        if (this.client === client) this.client = undefined;
      }
      this.timer = setTimeout(() => void this.connect(channel, handlers, true), RECONNECT_DELAY_MS);
      this.timer.unref();
    };
    try {
      client = this.newClient();
      // Listeners first: a connection that fails is retried, never an unhandled error.
      client.on('error', retry);
      client.on('end', () => retry(new Error('the connection ended')));
      await client.connect();
      if (this.stopped) return void client.end();
      this.client = client;
      client.on('notification', (message) => {
        if (message.channel === channel && message.payload !== undefined) handlers.message(message.payload);
      });
      await client.query(`LISTEN ${channel}`);
      if (missedSome) handlers.resync();
    } catch (error) {
      retry(error as Error);
    }
  }

  /**
   * A connection of its own, made as the pool makes its connections (the same server, credentials, TLS), but not
   * the pool's: the pool's end (the DataSource destroyed) must not wait for a LISTEN that never ends.
   */
  private newClient(): Client {
    const pool = (this.dataSource.driver as PostgresDriver).master as Pool & { Client?: typeof Client };
    const ClientClass = pool.Client ?? Client;
    return new ClientClass(pool.options as ClientConfig);
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    client?.removeAllListeners();
    client?.on('error', () => undefined);
    void client?.end().catch(() => undefined);
  }
}
