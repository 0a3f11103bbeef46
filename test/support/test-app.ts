import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createServer } from 'node:net';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { AppConfig } from '@app/config';
import { createTestDatabase, NewUserBody, newUserBody, testConfig, TestDatabase } from '@app/testing';
import { createApiApp } from '../../apps/api/src/bootstrap';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  http: TestAgent;
  close(): Promise<void>;
}

/**
 * The real API on a fresh database, listening on a random local port, driven over HTTP. Its configuration
 * knows that port (PORT, and PUBLIC_URL unless `env` sets one), so the embedded store's presigned URLs reach it.
 */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const database: TestDatabase = await createTestDatabase();
  const { app, config } = await listeningApp(database, env);
  return {
    app,
    config,
    http: request(await app.getUrl()),
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}

async function listeningApp(
  database: TestDatabase,
  env: Record<string, string>,
): Promise<{ app: NestFastifyApplication; config: AppConfig }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const config = testConfig(database.url, {
      ...database.env,
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ...env,
    });
    const app = await createApiApp(config);
    try {
      await app.listen(port, '127.0.0.1');
      return { app, config };
    } catch (error) {
      await app.close();
      // Another process took the port between our probe and the listen: try another one.
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt === 3) throw error;
    }
  }
}

/** A port nobody listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export interface Account extends NewUserBody {
  id: string;
  token: string;
}

/** Registers a user and logs in: the account, with a bearer token. */
export async function registerAndLogin(http: TestAgent, overrides: Partial<NewUserBody> = {}): Promise<Account> {
  const body = newUserBody(overrides);
  const created = await http.post('/user').send(body).expect(201);
  const login = await http.post('/login').send({ username: body.username, password: body.password }).expect(200);
  return { ...body, id: created.body.id, token: login.body.access_token };
}
