import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { SettingsError } from '../lib/settings';
import { CERTIFICATE, logicalId, render, roleStatements, synth } from './stack';

const BUCKET_ARN = 'arn:aws:s3:::clouddrive-files-123456789012-eu-west-1';

describe('the CloudDrive stack (RDS database, image from CI)', () => {
  const { stack, template } = synth();
  const resources = template.toJSON().Resources as Record<
    string,
    { Type: string; Properties: any; DependsOn?: string[] }
  >;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const functionId = (memory: number) => logicalId(template, 'AWS::Lambda::Function', { MemorySize: memory });
  const filesFn = functionId(1024);
  const profileFn = functionId(512);
  const taskDefinition = () => ofType('AWS::ECS::TaskDefinition')[0][1].Properties;
  const container = () => taskDefinition().ContainerDefinitions[0];
  const roleOf = (fn: string) => resources[fn].Properties.Role['Fn::GetAtt'][0] as string;

  describe('network', () => {
    it('spans two availability zones, each with a public, a private and an isolated subnet', () => {
      const subnets = ofType('AWS::EC2::Subnet').map(([, s]) => s.Properties);
      expect(subnets).toHaveLength(6);
      const azs = new Set(subnets.map((s) => JSON.stringify(s.AvailabilityZone)));
      expect(azs.size).toBe(2);
      expect(subnets.filter((s) => s.MapPublicIpOnLaunch === true)).toHaveLength(2);
      template.resourceCountIs('AWS::EC2::NatGateway', 2);
    });

    it('keeps the tasks in private subnets with no public address', () => {
      const network = ofType('AWS::ECS::Service')[0][1].Properties.NetworkConfiguration.AwsvpcConfiguration;
      expect(network.AssignPublicIp).toBe('DISABLED');
      for (const subnet of network.Subnets) expect(resources[subnet.Ref].Properties.MapPublicIpOnLaunch).toBe(false);
    });
  });

  describe('load balancer', () => {
    it('is internet-facing, spread over both public subnets, and drops malformed headers', () => {
      const subnets = ofType('AWS::ElasticLoadBalancingV2::LoadBalancer')[0][1].Properties.Subnets;
      expect(subnets.map((s: { Ref: string }) => resources[s.Ref].Properties.MapPublicIpOnLaunch)).toEqual([
        true,
        true,
      ]);
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
        Scheme: 'internet-facing',
        LoadBalancerAttributes: Match.arrayWith([
          { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
        ]),
      });
    });

    it('serves HTTPS on 443 with the certificate from context and a current TLS policy', () => {
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: 443,
        Protocol: 'HTTPS',
        Certificates: [{ CertificateArn: CERTIFICATE }],
        SslPolicy: Match.stringLikeRegexp('^ELBSecurityPolicy-TLS13-'),
        DefaultActions: [Match.objectLike({ Type: 'forward' })],
      });
    });

    it('redirects HTTP on 80 to HTTPS permanently', () => {
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: 80,
        Protocol: 'HTTP',
        DefaultActions: [
          { Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } },
        ],
      });
      template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
    });

    it('checks the tasks on /health, and sends them traffic on 8080', () => {
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
        HealthCheckPath: '/health',
        Matcher: { HttpCode: '200' },
        Protocol: 'HTTP',
        TargetType: 'ip',
      });
      template.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 1);
      expect(ofType('AWS::ECS::Service')[0][1].Properties.LoadBalancers).toEqual([
        expect.objectContaining({ ContainerName: 'api', ContainerPort: 8080 }),
      ]);
    });
  });

  describe('the API service', () => {
    it('runs at least two Fargate tasks and rolls a failed deployment back', () => {
      template.hasResourceProperties('AWS::ECS::Service', {
        LaunchType: 'FARGATE',
        DesiredCount: Match.anyValue(),
        DeploymentConfiguration: Match.objectLike({
          MinimumHealthyPercent: 100,
          DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        }),
      });
      expect(ofType('AWS::ECS::Service')[0][1].Properties.DesiredCount).toBeGreaterThanOrEqual(2);
    });

    it('scales between 2 and 10 tasks on CPU and on requests per target', () => {
      template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
        MinCapacity: 2,
        MaxCapacity: 10,
        ScalableDimension: 'ecs:service:DesiredCount',
      });
      const metrics = ofType('AWS::ApplicationAutoScaling::ScalingPolicy').map(
        ([, p]) =>
          p.Properties.TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.PredefinedMetricType,
      );
      expect(metrics.sort()).toEqual(['ALBRequestCountPerTarget', 'ECSServiceAverageCPUUtilization']);
    });

    it('runs the image given by context, pulled from its ECR repository', () => {
      expect(render(container().Image)).toBe('123456789012.dkr.ecr.eu-west-1.amazonaws.com/clouddrive:v1.2.3');
      const executionRole = taskDefinition().ExecutionRoleArn['Fn::GetAtt'][0];
      expect(roleStatements(template, executionRole)).toContainEqual({
        actions: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        resources: ['arn:aws:ecr:eu-west-1:123456789012:repository/clouddrive'],
      });
    });

    it('listens on 8080 and gets its configuration: the URLs, the bucket, the proxy, migrations on start', () => {
      expect(container().PortMappings).toEqual([{ ContainerPort: 8080, Protocol: 'tcp' }]);
      const env = Object.fromEntries(
        container().Environment.map((e: { Name: string; Value: unknown }) => [e.Name, render(e.Value)]),
      );
      expect(env).toMatchObject({
        PORT: '8080',
        TRUST_PROXY: 'true',
        PUBLIC_URL: 'https://api.drive.example.com',
        API_URL: 'https://api.drive.example.com',
        CORS_ORIGINS: 'https://drive.example.com,https://admin.example.com',
        S3_BUCKET: `<${logicalId(template, 'AWS::S3::Bucket')}>`,
        S3_REGION: 'eu-west-1',
        EMBEDDED_WORKERS: 'false',
        DATABASE_MIGRATE_ON_START: 'true',
      });
    });

    it('gets JWT_SECRET, LAMBDA_SECRET and DATABASE_URL as ECS secrets, never as plain environment', () => {
      const secrets = Object.fromEntries(
        container().Secrets.map((s: { Name: string; ValueFrom: unknown }) => [s.Name, render(s.ValueFrom)]),
      );
      expect(secrets).toEqual({
        JWT_SECRET: `<${logicalId(template, 'AWS::SecretsManager::Secret', { Description: Match.stringLikeRegexp('JWT_SECRET') })}>`,
        LAMBDA_SECRET: `<${logicalId(template, 'AWS::SecretsManager::Secret', { Description: Match.stringLikeRegexp('LAMBDA_SECRET') })}>`,
        DATABASE_URL: `<${logicalId(template, 'AWS::SecretsManager::Secret', { Description: Match.stringLikeRegexp('DATABASE_URL') })}>`,
      });
      const names = container().Environment.map((e: { Name: string }) => e.Name);
      for (const secret of ['JWT_SECRET', 'LAMBDA_SECRET', 'DATABASE_URL']) expect(names).not.toContain(secret);
    });

    it('generates the JWT and shared secrets in Secrets Manager: no value in the template', () => {
      for (const name of ['JWT_SECRET', 'LAMBDA_SECRET']) {
        template.hasResourceProperties('AWS::SecretsManager::Secret', {
          Description: Match.stringLikeRegexp(name),
          GenerateSecretString: Match.objectLike({ PasswordLength: 64 }),
          SecretString: Match.absent(),
        });
      }
    });

    it('lets the tasks use the bucket’s objects and list the bucket, and nothing else', () => {
      const taskRole = taskDefinition().TaskRoleArn['Fn::GetAtt'][0];
      const bucket = logicalId(template, 'AWS::S3::Bucket');
      expect(roleStatements(template, taskRole)).toEqual([
        { actions: ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'], resources: [`<${bucket}.Arn>/*`] },
        { actions: ['s3:ListBucket'], resources: [`<${bucket}.Arn>`] },
      ]);
    });

    it('lets ECS read the tasks’ three secrets, those only', () => {
      const executionRole = taskDefinition().ExecutionRoleArn['Fn::GetAtt'][0];
      const secretReads = roleStatements(template, executionRole).filter((s) =>
        s.actions.some((a) => a.startsWith('secretsmanager:')),
      );
      const secretIds = Object.keys(
        template.findResources('AWS::SecretsManager::Secret', {
          Properties: { Description: Match.stringLikeRegexp('^CloudDrive') },
        }),
      );
      expect(secretReads.flatMap((s) => s.resources).sort()).toEqual(secretIds.map((id) => `<${id}>`).sort());
      for (const statement of secretReads) {
        expect(statement.actions).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
      }
    });
  });

  describe('the bucket', () => {
    const bucket = () => ofType('AWS::S3::Bucket')[0][1].Properties;

    it('blocks every kind of public access, encrypts at rest and refuses plain HTTP', () => {
      expect(bucket().PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket().BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
        { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
      ]);
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });

    it('is named from the stack, account and region, and kept when the stack is deleted', () => {
      expect(render(bucket().BucketName)).toBe('clouddrive-files-123456789012-eu-west-1');
      expect(ofType('AWS::S3::Bucket')[0][1]).toMatchObject({ DeletionPolicy: 'Retain' });
    });

    it('allows browser uploads and downloads from the configured origins only', () => {
      expect(bucket().CorsConfiguration.CorsRules).toEqual([
        expect.objectContaining({
          AllowedOrigins: ['https://drive.example.com', 'https://admin.example.com'],
          AllowedMethods: ['PUT', 'GET', 'HEAD'],
          AllowedHeaders: expect.arrayContaining(['Content-Type', 'Content-Length', 'If-None-Match']),
          ExposedHeaders: expect.arrayContaining(['ETag']),
        }),
      ]);
    });

    it('aborts incomplete multipart uploads', () => {
      expect(bucket().LifecycleConfiguration.Rules).toContainEqual(
        expect.objectContaining({ Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
      );
    });

    it('invokes the files function for new objects under files/, the profile function under profile_photos/original/', () => {
      const configurations = bucket().NotificationConfiguration.LambdaConfigurations;
      expect(
        configurations.map((c: any) => ({ event: c.Event, fn: render(c.Function), filter: c.Filter.S3Key.Rules })),
      ).toEqual([
        { event: 's3:ObjectCreated:*', fn: `<${filesFn}.Arn>`, filter: [{ Name: 'prefix', Value: 'files/' }] },
        {
          event: 's3:ObjectCreated:*',
          fn: `<${profileFn}.Arn>`,
          filter: [{ Name: 'prefix', Value: 'profile_photos/original/' }],
        },
      ]);
      expect(bucket().NotificationConfiguration.QueueConfigurations).toBeUndefined();
      expect(bucket().NotificationConfiguration.TopicConfigurations).toBeUndefined();
    });

    it('may invoke each function (from this bucket and account only), and is created after those permissions', () => {
      const permissions = ofType('AWS::Lambda::Permission');
      expect(
        permissions
          .map(([, p]) => [
            render(p.Properties.FunctionName),
            p.Properties.Principal,
            render(p.Properties.SourceArn),
            render(p.Properties.SourceAccount),
          ])
          .sort(),
      ).toEqual(
        [
          [`<${filesFn}.Arn>`, 's3.amazonaws.com', BUCKET_ARN, '123456789012'],
          [`<${profileFn}.Arn>`, 's3.amazonaws.com', BUCKET_ARN, '123456789012'],
        ].sort(),
      );
      expect(ofType('AWS::S3::Bucket')[0][1].DependsOn).toEqual(expect.arrayContaining(permissions.map(([id]) => id)));
    });
  });

  describe('the worker functions', () => {
    it.each([
      ['files', 1024, 30],
      ['profile-photos', 512, 15],
    ])('%s: Node.js 22 on arm64, index.handler, %i MB, %i s, outside any VPC', (_, memory, timeout) => {
      const fn = resources[functionId(memory)].Properties;
      expect(fn).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        Timeout: timeout,
      });
      expect(fn.VpcConfig).toBeUndefined();
    });

    it('get the bucket, the API’s HTTPS URL and the shared secret’s ARN, never the secret itself', () => {
      const lambdaSecret = logicalId(template, 'AWS::SecretsManager::Secret', {
        Description: Match.stringLikeRegexp('LAMBDA_SECRET'),
      });
      for (const fn of [filesFn, profileFn]) {
        const variables = resources[fn].Properties.Environment.Variables;
        expect(Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, render(v)]))).toEqual({
          S3_BUCKET: 'clouddrive-files-123456789012-eu-west-1',
          API_URL: 'https://api.drive.example.com',
          LAMBDA_SECRET_ARN: `<${lambdaSecret}>`,
        });
      }
    });

    it('are retried twice by the asynchronous invocation, then sent to the dead-letter queue', () => {
      const queue = logicalId(template, 'AWS::SQS::Queue');
      const configs = ofType('AWS::Lambda::EventInvokeConfig').map(([, c]) => ({
        fn: render(c.Properties.FunctionName),
        retries: c.Properties.MaximumRetryAttempts,
        onFailure: render(c.Properties.DestinationConfig.OnFailure.Destination),
      }));
      expect(configs.sort((a, b) => a.fn.localeCompare(b.fn))).toEqual(
        [
          { fn: `<${filesFn}>`, retries: 2, onFailure: `<${queue}.Arn>` },
          { fn: `<${profileFn}>`, retries: 2, onFailure: `<${queue}.Arn>` },
        ].sort((a, b) => a.fn.localeCompare(b.fn)),
      );
      template.hasResourceProperties('AWS::SQS::Queue', {
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
    });

    it('files: reads and lists files/*, writes and deletes previews/*, reads the shared secret, and nothing more', () => {
      const lambdaSecret = logicalId(template, 'AWS::SecretsManager::Secret', {
        Description: Match.stringLikeRegexp('LAMBDA_SECRET'),
      });
      const queue = logicalId(template, 'AWS::SQS::Queue');
      expect(roleStatements(template, roleOf(filesFn)).sort(byText)).toEqual(
        [
          { actions: ['s3:GetObject'], resources: [`${BUCKET_ARN}/files/*`] },
          // Listing files/ only: a HEAD of a missing object is then a 404 (without it, S3 answers 403).
          {
            actions: ['s3:ListBucket'],
            resources: [BUCKET_ARN],
            conditions: { StringLike: { 's3:prefix': ['files/*'] } },
          },
          { actions: ['s3:DeleteObject', 's3:PutObject'], resources: [`${BUCKET_ARN}/previews/*`] },
          { actions: ['secretsmanager:GetSecretValue'], resources: [`<${lambdaSecret}>`] },
          { actions: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'], resources: [`<${queue}.Arn>`] },
        ].sort(byText),
      );
    });

    it('profile photos: reads and deletes originals, writes resized ones, reads the shared secret, and nothing more', () => {
      const lambdaSecret = logicalId(template, 'AWS::SecretsManager::Secret', {
        Description: Match.stringLikeRegexp('LAMBDA_SECRET'),
      });
      const queue = logicalId(template, 'AWS::SQS::Queue');
      expect(roleStatements(template, roleOf(profileFn)).sort(byText)).toEqual(
        [
          { actions: ['s3:DeleteObject', 's3:GetObject'], resources: [`${BUCKET_ARN}/profile_photos/original/*`] },
          {
            actions: ['s3:ListBucket'],
            resources: [BUCKET_ARN],
            conditions: { StringLike: { 's3:prefix': ['profile_photos/original/*'] } },
          },
          { actions: ['s3:PutObject'], resources: [`${BUCKET_ARN}/profile_photos/resized/*`] },
          { actions: ['secretsmanager:GetSecretValue'], resources: [`<${lambdaSecret}>`] },
          { actions: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'], resources: [`<${queue}.Arn>`] },
        ].sort(byText),
      );
    });

    it('run the placeholder when no Lambda build is at hand, and say so', () => {
      expect(resources[filesFn].Properties.Code.ZipFile).toMatch(/throw new Error/);
      Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('files.zip not found'));
    });
  });

  describe('least privilege across the stack', () => {
    const statements = () =>
      [...ofType('AWS::IAM::Policy'), ...ofType('AWS::IAM::Role')].flatMap(([, r]) => [
        ...(r.Properties.PolicyDocument?.Statement ?? []),
        ...(r.Properties.Policies ?? []).flatMap((p: any) => p.PolicyDocument.Statement),
      ]) as Array<{ Action: string | string[]; Resource: unknown }>;

    it('never grants an S3, Secrets Manager or SQS action on "*"', () => {
      for (const statement of statements()) {
        const actions = ([] as string[]).concat(statement.Action);
        const resources = ([] as unknown[]).concat(statement.Resource).map(render);
        if (actions.some((a) => /^(s3|secretsmanager|sqs):/.test(a))) {
          for (const resource of resources) {
            expect(resource).not.toBe('*');
            expect(resource).not.toMatch(/^arn:aws:s3:::\*/);
          }
        }
      }
    });

    it('has "*" as a resource only where AWS allows nothing narrower (ECR’s token)', () => {
      const starred = statements()
        .filter((s) => ([] as unknown[]).concat(s.Resource).map(render).includes('*'))
        .flatMap((s) => ([] as string[]).concat(s.Action));
      expect([...new Set(starred)]).toEqual(['ecr:GetAuthorizationToken']);
    });

    it('grants no wildcard action', () => {
      for (const statement of statements()) {
        for (const action of ([] as string[]).concat(statement.Action)) expect(action).not.toMatch(/\*/);
      }
    });
  });

  describe('the RDS database', () => {
    it('is PostgreSQL in the isolated subnets, encrypted, private, multi-AZ, protected from deletion', () => {
      template.hasResourceProperties('AWS::RDS::DBInstance', {
        Engine: 'postgres',
        EngineVersion: Match.stringLikeRegexp('^17'),
        StorageEncrypted: true,
        PubliclyAccessible: false,
        MultiAZ: true,
        DeletionProtection: true,
        DBName: 'clouddrive',
      });
      const subnetGroup = ofType('AWS::RDS::DBSubnetGroup')[0][1].Properties;
      for (const subnet of subnetGroup.SubnetIds) {
        expect(subnet.Ref).toMatch(/data/i);
        expect(resources[subnet.Ref].Properties.MapPublicIpOnLaunch).toBe(false);
      }
    });

    it('accepts connections on its port from the API tasks only', () => {
      const database = logicalId(template, 'AWS::RDS::DBInstance');
      const databaseGroup = render(resources[database].Properties.VPCSecurityGroups[0]);
      const ingress = ofType('AWS::EC2::SecurityGroupIngress')
        .map(([, r]) => r.Properties)
        .filter((r) => render(r.GroupId) === databaseGroup);
      const serviceGroups =
        ofType('AWS::ECS::Service')[0][1].Properties.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups;
      expect(ingress.map((r) => [render(r.FromPort), render(r.ToPort), r.SourceSecurityGroupId])).toEqual([
        [`<${database}.Endpoint.Port>`, `<${database}.Endpoint.Port>`, serviceGroups[0]],
      ]);
      const groupId = databaseGroup.replace(/^<(\w+)\.GroupId>$/, '$1');
      expect(resources[groupId].Properties.SecurityGroupIngress).toBeUndefined();
    });

    it('builds DATABASE_URL from the generated credentials by reference, with TLS', () => {
      const url = ofType('AWS::SecretsManager::Secret').find(([, s]) =>
        /DATABASE_URL/.test(s.Properties.Description),
      )![1];
      const text = render(url.Properties.SecretString);
      expect(text).toMatch(
        /^postgres:\/\/\{\{resolve:secretsmanager:<\w+>:SecretString:username::\}\}:\{\{resolve:secretsmanager:<\w+>:SecretString:password::\}\}@<\w+\.Endpoint\.Address>:<\w+\.Endpoint\.Port>\/clouddrive\?sslmode=no-verify$/,
      );
    });
  });

  it('outputs the API URL and the bucket', () => {
    template.hasOutput('ApiUrl', { Value: 'https://api.drive.example.com' });
    expect(render(template.findOutputs('BucketName').BucketName.Value)).toBe(
      `<${logicalId(template, 'AWS::S3::Bucket')}>`,
    );
  });
});

describe('the CloudDrive stack with an external database', () => {
  const secretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:clouddrive/database-url-AbCdEf';
  const { template } = synth({ database: 'external', databaseUrlSecretArn: secretArn });

  it('creates no database and reads DATABASE_URL from the given secret', () => {
    template.resourceCountIs('AWS::RDS::DBInstance', 0);
    const container = Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0].Properties
      .ContainerDefinitions[0];
    expect(container.Secrets).toContainEqual({ Name: 'DATABASE_URL', ValueFrom: secretArn });
    template.resourceCountIs('AWS::SecretsManager::Secret', 2);
  });

  it('lets ECS read that secret', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
            Resource: secretArn,
          }),
        ]),
      },
    });
  });
});

describe('the CloudDrive stack built from the Dockerfile, with the Lambda build and a hosted zone', () => {
  const lambdaDir = mkdtempSync(join(tmpdir(), 'clouddrive-lambda-'));
  for (const zip of ['files.zip', 'profile-photos.zip'])
    writeFileSync(join(lambdaDir, zip), `not really a zip: ${zip}`);
  const { template } = synth({
    imageUri: undefined,
    lambdaAssetDir: lambdaDir,
    hostedZoneId: 'Z0123456789ABCDEFGHIJ',
    hostedZoneName: 'drive.example.com',
    maxTasks: 6,
  });

  it('builds the image from the repository as an asset', () => {
    const container = Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0].Properties
      .ContainerDefinitions[0];
    expect(render(container.Image)).toMatch(
      /^123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/cdk-\w+-container-assets-123456789012-eu-west-1:[a-f0-9]{64}$/,
    );
  });

  it('deploys the zips of npm run build:lambda', () => {
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      expect(fn.Properties.Code.ZipFile).toBeUndefined();
      expect(fn.Properties.Code.S3Key).toMatch(/^[a-f0-9]{64}\.zip$/);
    }
  });

  it('points the domain at the load balancer', () => {
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'api.drive.example.com.',
      Type: 'A',
      HostedZoneId: 'Z0123456789ABCDEFGHIJ',
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 6 });
  });
});

describe('without a domain name', () => {
  const { stack, template } = synth({ domainName: undefined });

  it('gives the functions the load balancer’s address, with a warning that TLS will not verify', () => {
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0];
    expect(render(fn.Properties.Environment.Variables.API_URL)).toMatch(/^https:\/\/<Api\w+\.DNSName>$/);
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('domainName is unset'));
  });
});

describe('the context', () => {
  it.each([
    [{ certificateArn: undefined }, /certificateArn is required/],
    [{ certificateArn: 'not-an-arn' }, /certificateArn must be an ACM certificate ARN/],
    [{ database: 'external' }, /databaseUrlSecretArn/],
    [{ database: 'dynamo' }, /database must be rds or external/],
    [{ minTasks: 1 }, /minTasks must be a whole number from 2/],
    [{ corsOrigins: 'drive.example.com' }, /not an origin/],
    [{ hostedZoneId: 'Z1' }, /hostedZoneId and hostedZoneName go together/],
  ])('refuses %j', (context, message) => {
    expect(() => synth(context)).toThrow(SettingsError);
    expect(() => synth(context)).toThrow(message);
  });

  it('refuses a lambdaAssetDir without the zips', () => {
    expect(() => synth({ lambdaAssetDir: mkdtempSync(join(tmpdir(), 'empty-')) })).toThrow(/does not exist/);
  });
});

function byText(a: unknown, b: unknown): number {
  return JSON.stringify(a).localeCompare(JSON.stringify(b));
}
