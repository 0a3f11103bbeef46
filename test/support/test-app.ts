import { NestFastifyApplication } from '@nestjs/platform-fastify';
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

/** The real API on a fresh database, listening on a random local port, driven over HTTP. */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const database: TestDatabase = await createTestDatabase();
  const config = testConfig(database.url, env);
  const app = await createApiApp(config);
  await app.listen(0, '127.0.0.1');
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
