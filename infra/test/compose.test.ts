import { parse } from 'yaml';
import { repoFile } from './repo';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  ports?: string[];
  networks?: Record<string, { aliases?: string[] }>;
}

// `merge: true` resolves the `<<: *s3` merge keys as Compose does.
const compose = parse(repoFile('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };
const { services } = compose;
const env = (name: string) => services[name].environment ?? {};
/** The variable a `${NAME...}` value interpolates. */
const variable = (value: string) => /^\$\{(\w+)/.exec(value)?.[1];
const setupScript = () => (services['minio-setup'].command ?? []).join('\n');

describe('docker-compose.yml', () => {
  it('runs the API, PostgreSQL, MinIO, its one-shot setup and the workers', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'minio', 'minio-setup', 'postgres', 'workers']);
  });

  it('builds one image from the Dockerfile and runs the workers as that image with another command', () => {
    expect(services.api.build).toBe('.');
    expect(services.workers.image).toBe(services.api.image);
    expect(services.api.command).toBeUndefined(); // the image's CMD: the API
    expect(services.workers.command).toEqual(['node', 'dist/apps/workers/src/main.js']);
  });

  it('pins every third-party image to a version', () => {
    for (const name of ['postgres', 'minio', 'minio-setup']) {
      const image = services[name].image!.replace(/^\$\{\w+:-(.*)\}$/, '$1');
      expect(image).toMatch(/:[\w.-]+$/);
      expect(image).not.toMatch(/:latest$/);
    }
  });

  it('connects the API to PostgreSQL with the database the postgres service creates', () => {
    const url = new URL(env('api').DATABASE_URL.replace('${POSTGRES_PASSWORD}', 'x'));
    expect(url.hostname).toBe('postgres');
    expect(url.username).toBe(env('postgres').POSTGRES_USER);
    expect(url.pathname).toBe(`/${env('postgres').POSTGRES_DB}`);
    expect(env('api').DATABASE_URL).toContain('${POSTGRES_PASSWORD}');
    expect(env('postgres').POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
  });

  it('points the API and the workers at the same MinIO bucket, by a name MinIO answers to', () => {
    for (const name of ['api', 'workers']) {
      expect(env(name)).toMatchObject({ S3_BUCKET: 'clouddrive', S3_FORCE_PATH_STYLE: 'true' });
      const endpoint = new URL(env(name).S3_ENDPOINT);
      expect(services.minio.networks?.default.aliases).toContain(endpoint.hostname);
      expect(services.minio.ports).toContain(`${endpoint.port}:9000`);
      // The user the setup creates (limited to the bucket), not MinIO's root.
      expect(variable(env(name).S3_ACCESS_KEY_ID)).toBe(variable(env('minio-setup').APP_ACCESS_KEY_ID));
      expect(variable(env(name).S3_SECRET_ACCESS_KEY)).toBe(variable(env('minio-setup').APP_SECRET_ACCESS_KEY));
      expect(variable(env(name).S3_ACCESS_KEY_ID)).not.toBe(variable(env('minio').MINIO_ROOT_USER));
    }
    expect(setupScript()).toContain('mc mb --ignore-existing local/clouddrive');
  });

  it('turns the in-process workers off in the API (S3_BUCKET is set) and has the workers call the API back', () => {
    expect(env('api').S3_BUCKET).toBeDefined();
    expect(env('api').EMBEDDED_WORKERS).toBeUndefined();
    expect(new URL(env('workers').API_URL).host).toBe('api:8080');
    expect(env('workers').LAMBDA_SECRET).toBe('${LAMBDA_SECRET}');
    expect(env('api').LAMBDA_SECRET).toMatch(/^\$\{LAMBDA_SECRET:\?/);
  });

  it("sends MinIO's notifications to the workers' receiver with the workers' token", () => {
    const minio = env('minio');
    expect(minio.MINIO_NOTIFY_WEBHOOK_ENABLE_CLOUDDRIVE).toBe('on');
    expect(minio.MINIO_NOTIFY_WEBHOOK_ENDPOINT_CLOUDDRIVE).toBe(`http://workers:${env('workers').WORKERS_PORT}/events`);
    expect(minio.MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_CLOUDDRIVE).toMatch(/^\$\{WORKERS_TOKEN:\?/);
    expect(env('workers').WORKERS_TOKEN).toBe('${WORKERS_TOKEN}');
    expect(minio.MINIO_NOTIFY_WEBHOOK_QUEUE_DIR_CLOUDDRIVE).toBeDefined();
  });

  it('subscribes exactly the two prefixes the workers handle, on new objects', () => {
    const subscriptions = [
      ...setupScript().matchAll(/mc event add local\/clouddrive (\S+) --event (\S+) --prefix (\S+)/g),
    ];
    expect(subscriptions.map(([, arn, event, prefix]) => ({ arn, event, prefix }))).toEqual([
      { arn: 'arn:minio:sqs::CLOUDDRIVE:webhook', event: 'put', prefix: 'files/' },
      { arn: 'arn:minio:sqs::CLOUDDRIVE:webhook', event: 'put', prefix: 'profile_photos/original/' },
    ]);
  });

  it('starts each service after what it needs is healthy or set up', () => {
    expect(services.api.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      'minio-setup': { condition: 'service_completed_successfully' },
    });
    expect(services.workers.depends_on).toMatchObject({ api: { condition: 'service_healthy' } });
    expect(services['minio-setup'].depends_on).toEqual({ minio: { condition: 'service_healthy' } });
    expect(services.postgres.healthcheck?.test.join(' ')).toContain('pg_isready');
    expect(env('workers').HEALTHCHECK_PORT).toBe(env('workers').WORKERS_PORT);
  });

  it('has no secret written in it: every secret is a required variable', () => {
    const secrets = [
      env('api').JWT_SECRET,
      env('api').LAMBDA_SECRET,
      env('api').S3_SECRET_ACCESS_KEY,
      env('minio').MINIO_ROOT_PASSWORD,
      env('postgres').POSTGRES_PASSWORD,
    ];
    for (const secret of secrets) expect(secret).toMatch(/^\$\{[A-Z0-9_]+:\?[^}]*\}$/);
  });
});
