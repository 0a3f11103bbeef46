import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aspects, Stack, aws_sqs as sqs } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DEPLOYMENT_MAX_PERCENT, SettingsError, estimatedMaxConnections } from '../lib/settings';
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
  const rotation = () => ofType('AWS::SecretsManager::RotationSchedule')[0][1].Properties;
  /** How the RDS credentials' password is generated (the secret the attachment completes). */
  const generatedSecret = () =>
    resources[resources[databaseSecret].Properties.SecretId.Ref].Properties.GenerateSecretString;
  const profileFn = functionId(512);
  const taskDefinition = () => ofType('AWS::ECS::TaskDefinition')[0][1].Properties;
  const container = () => taskDefinition().ContainerDefinitions[0];
  const roleOf = (fn: string) => resources[fn].Properties.Role['Fn::GetAtt'][0] as string;
  const filesBucket = logicalId(template, 'AWS::S3::Bucket', { NotificationConfiguration: Match.anyValue() });
  const logsBucket = logicalId(template, 'AWS::S3::Bucket', { NotificationConfiguration: Match.absent() });
  /** The RDS credentials, as attached to the instance (the secret with its host and port). */
  const databaseSecret = logicalId(template, 'AWS::SecretsManager::SecretTargetAttachment');

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
    it('leaves the task count to autoscaling (a deploy keeps the capacity it finds) and rolls a failed deployment back', () => {
      template.hasResourceProperties('AWS::ECS::Service', {
        LaunchType: 'FARGATE',
        DeploymentConfiguration: Match.objectLike({
          MinimumHealthyPercent: 100,
          MaximumPercent: DEPLOYMENT_MAX_PERCENT,
          DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        }),
      });
      expect(ofType('AWS::ECS::Service')[0][1].Properties).not.toHaveProperty('DesiredCount');
    });

    it('runs on Graviton (arm64)', () => {
      expect(taskDefinition().RuntimePlatform).toEqual({ CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' });
    });

    it('fits its connections in the database’s: peak tasks × pool ≤ max_connections less headroom', () => {
      const maxTasks = ofType('AWS::ApplicationAutoScaling::ScalableTarget')[0][1].Properties.MaxCapacity;
      const maxPercent = ofType('AWS::ECS::Service')[0][1].Properties.DeploymentConfiguration.MaximumPercent;
      const env = Object.fromEntries(container().Environment.map((e: any) => [e.Name, render(e.Value)]));
      const pool = Number(env.DATABASE_POOL_SIZE);
      const instanceClass = ofType('AWS::RDS::DBInstance')[0][1].Properties.DBInstanceClass;
      const limit = estimatedMaxConnections(instanceClass)!;
      expect(instanceClass).toBe('db.t4g.micro');
      expect(limit).toBeGreaterThanOrEqual(95);
      expect(limit).toBeLessThanOrEqual(105);
      const peak = Math.ceil((maxTasks * maxPercent) / 100) * pool;
      // 15 tasks (10 during a deployment at 150 %) × 5 = 75, under 101 less 21 of headroom.
      expect(peak).toBe(75);
      expect(peak).toBeLessThanOrEqual(limit - Math.max(15, Math.ceil(limit / 5)));
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
        // Only the load balancer's nodes, in the VPC, are trusted proxies.
        TRUST_PROXY: `<${logicalId(template, 'AWS::EC2::VPC')}.CidrBlock>`,
        PUBLIC_URL: 'https://api.drive.example.com',
        API_URL: 'https://api.drive.example.com',
        CORS_ORIGINS: 'https://drive.example.com,https://admin.example.com',
        S3_BUCKET: `<${filesBucket}>`,
        S3_REGION: 'eu-west-1',
        EMBEDDED_WORKERS: 'false',
        DATABASE_MIGRATE_ON_START: 'true',
        DATABASE_POOL_SIZE: '5',
      });
    });

    it('gets JWT_SECRET and LAMBDA_SECRET as ECS secrets, never as plain environment, and no DATABASE_URL', () => {
      const secrets = Object.fromEntries(
        container().Secrets.map((s: { Name: string; ValueFrom: unknown }) => [s.Name, render(s.ValueFrom)]),
      );
      expect(secrets).toEqual({
        JWT_SECRET: `<${logicalId(template, 'AWS::SecretsManager::Secret', { Description: Match.stringLikeRegexp('JWT_SECRET') })}>`,
        LAMBDA_SECRET: `<${logicalId(template, 'AWS::SecretsManager::Secret', { Description: Match.stringLikeRegexp('LAMBDA_SECRET') })}>`,
      });
      const names = container().Environment.map((e: { Name: string }) => e.Name);
      for (const secret of ['JWT_SECRET', 'LAMBDA_SECRET', 'DATABASE_URL']) expect(names).not.toContain(secret);
    });

    it('reads the rotated database credentials itself: DATABASE_SECRET_ARN, with TLS verified against the RDS CA bundle', () => {
      const env = Object.fromEntries(
        container().Environment.map((e: { Name: string; Value: unknown }) => [e.Name, render(e.Value)]),
      );
      expect(env).toMatchObject({
        DATABASE_SECRET_ARN: `<${databaseSecret}>`,
        DATABASE_SSL_MODE: 'verify-full',
        DATABASE_SSL_ROOT_CERT: '/app/deploy/rds-ca-bundle.crt',
      });
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

    it('lets the tasks use the bucket’s objects, list the bucket, read the database credentials, and nothing else', () => {
      const taskRole = taskDefinition().TaskRoleArn['Fn::GetAtt'][0];
      const bucket = filesBucket;
      expect(roleStatements(template, taskRole)).toEqual([
        { actions: ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'], resources: [`<${bucket}.Arn>/*`] },
        { actions: ['s3:ListBucket'], resources: [`<${bucket}.Arn>`] },
        { actions: ['secretsmanager:GetSecretValue'], resources: [`<${databaseSecret}>`] },
      ]);
    });

    it('lets ECS read the tasks’ JWT and shared secrets, those only', () => {
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
    const bucket = () => resources[filesBucket].Properties;

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

    it('is named from the stack, account and region, kept on update and delete, but not by a rolled-back create', () => {
      expect(render(bucket().BucketName)).toBe('clouddrive-files-123456789012-eu-west-1');
      for (const id of [filesBucket, logsBucket]) {
        expect(resources[id]).toMatchObject({ DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' });
      }
    });

    it('keeps overwritten and deleted objects 30 days (versioning), and logs its requests', () => {
      expect(bucket().VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(bucket().LifecycleConfiguration.Rules).toContainEqual(
        expect.objectContaining({
          Status: 'Enabled',
          NoncurrentVersionExpiration: { NoncurrentDays: 30 },
          ExpiredObjectDeleteMarker: true,
        }),
      );
      expect(render(bucket().LoggingConfiguration.DestinationBucketName)).toBe(`<${logsBucket}>`);
      expect(resources[logsBucket].Properties.LifecycleConfiguration.Rules).toContainEqual(
        expect.objectContaining({ ExpirationInDays: 90 }),
      );
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
      expect(resources[filesBucket].DependsOn).toEqual(expect.arrayContaining(permissions.map(([id]) => id)));
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
          API_RETRY_BUDGET_MS: expect.stringMatching(/^\d+$/),
        });
      }
    });

    it.each([
      [1024, 30, 10],
      [512, 15, 5],
    ])(
      '%i MB: the API client’s retry budget, twice over, fits in the %i s timeout; %i reserved executions',
      (memory, timeout, reserved) => {
        const fn = resources[functionId(memory)].Properties;
        const budgetMs = Number(fn.Environment.Variables.API_RETRY_BUDGET_MS);
        expect(2 * budgetMs).toBeLessThan(timeout * 1000 * 0.75);
        expect(budgetMs).toBeGreaterThanOrEqual(5000);
        expect(fn.ReservedConcurrentExecutions).toBe(reserved);
      },
    );

    it('keep their logs 30 days', () => {
      for (const fn of [filesFn, profileFn]) {
        const group = render(resources[fn].Properties.LoggingConfig.LogGroup).replace(/^<|>$/g, '');
        expect(resources[group].Properties.RetentionInDays).toBe(30);
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

    it('run the placeholder when asked to (placeholderFunctions, tests and CI’s synth), and say never to deploy it', () => {
      expect(resources[filesFn].Properties.Code.ZipFile).toMatch(/throw new Error/);
      Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('files.zip not found.*Never deploy'));
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
        StorageType: 'gp3',
        // Off by default, so that a first deploy that rolls back can delete it (deletionProtection=true after).
        DeletionProtection: false,
        DBName: 'clouddrive',
      });
      expect(resources[logicalId(template, 'AWS::RDS::DBInstance')]).toMatchObject({
        DeletionPolicy: 'RetainExceptOnCreate',
        UpdateReplacePolicy: 'Retain',
      });
      const subnetGroup = ofType('AWS::RDS::DBSubnetGroup')[0][1].Properties;
      for (const subnet of subnetGroup.SubnetIds) {
        expect(subnet.Ref).toMatch(/data/i);
        expect(resources[subnet.Ref].Properties.MapPublicIpOnLaunch).toBe(false);
      }
    });

    it('accepts connections on its port from the API tasks and the rotation function only', () => {
      const database = logicalId(template, 'AWS::RDS::DBInstance');
      const databaseGroup = render(resources[database].Properties.VPCSecurityGroups[0]);
      const ingress = ofType('AWS::EC2::SecurityGroupIngress')
        .map(([, r]) => r.Properties)
        .filter((r) => render(r.GroupId) === databaseGroup);
      const serviceGroups =
        ofType('AWS::ECS::Service')[0][1].Properties.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups;
      const rotationGroup = rotation().HostedRotationLambda.VpcSecurityGroupIds;
      expect(
        ingress.map((r) => [render(r.FromPort), render(r.ToPort), render(r.SourceSecurityGroupId)]).sort(),
      ).toEqual(
        [
          [`<${database}.Endpoint.Port>`, `<${database}.Endpoint.Port>`, render(serviceGroups[0])],
          [`<${database}.Endpoint.Port>`, `<${database}.Endpoint.Port>`, render(rotationGroup)],
        ].sort(),
      );
      const groupId = databaseGroup.replace(/^<(\w+)\.GroupId>$/, '$1');
      expect(resources[groupId].Properties.SecurityGroupIngress).toBeUndefined();
    });

    it('rotates its credentials every 30 days: Secrets Manager’s hosted single-user function for PostgreSQL', () => {
      template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 1);
      expect(render(rotation().SecretId)).toBe(`<${databaseSecret}>`);
      expect(rotation().RotationRules).toEqual({ ScheduleExpression: 'rate(30 days)' });
      // The first rotation comes a period after the deploy, not during it (tasks of the previous release may run).
      expect(rotation().RotateImmediatelyOnUpdate).toBe(false);
      expect(rotation().HostedRotationLambda).toMatchObject({ RotationType: 'PostgreSQLSingleUser' });
      expect(template.toJSON().Transform).toBe('AWS::SecretsManager-2024-09-16');
      // The attachment is what adds the instance's host and port to the secret (the tasks connect with them).
      template.hasResourceProperties('AWS::SecretsManager::SecretTargetAttachment', {
        TargetId: { Ref: logicalId(template, 'AWS::RDS::DBInstance') },
        TargetType: 'AWS::RDS::DBInstance',
      });
    });

    it('rotates from the VPC’s private subnets (Secrets Manager through the NAT gateways), in its own security group', () => {
      const subnets = render(rotation().HostedRotationLambda.VpcSubnetIds).split(',');
      expect(subnets).toHaveLength(2);
      for (const subnet of subnets) {
        expect(subnet).toMatch(/^<Vpcapp/);
        expect(resources[subnet.slice(1, -1)].Properties.MapPublicIpOnLaunch).toBe(false);
      }
      template.resourceCountIs('AWS::EC2::NatGateway', 2);
      template.resourceCountIs('AWS::EC2::VPCEndpoint', 1);
      expect(render(rotation().HostedRotationLambda.VpcSecurityGroupIds)).toMatch(/^<\w*Rotation\w*\.GroupId>$/);
    });

    it('generates and rotates passwords without characters a URL would need to escape', () => {
      const generated = generatedSecret();
      expect(rotation().HostedRotationLambda.ExcludeCharacters).toBe(generated.ExcludeCharacters);
      for (const character of ['@', ':', '/', '?', '%', '#', '&'])
        expect(generated.ExcludeCharacters).toContain(character);
    });

    it('names its database as its user: the secret has no dbname, and the API then uses the user name', () => {
      const generated = generatedSecret();
      expect(JSON.parse(generated.SecretStringTemplate)).toEqual({ username: 'clouddrive' });
      template.hasResourceProperties('AWS::RDS::DBInstance', { DBName: 'clouddrive' });
    });

    it('assembles no DATABASE_URL secret', () => {
      for (const [, secret] of ofType('AWS::SecretsManager::Secret')) {
        expect(JSON.stringify(secret.Properties)).not.toMatch(/DATABASE_URL|postgres:\/\//);
      }
    });
  });

  it('outputs the API URL, the bucket and the database credentials’ secret', () => {
    template.hasOutput('ApiUrl', { Value: 'https://api.drive.example.com' });
    expect(render(template.findOutputs('BucketName').BucketName.Value)).toBe(`<${filesBucket}>`);
    expect(render(template.findOutputs('DatabaseSecretArn').DatabaseSecretArn.Value)).toBe(`<${databaseSecret}>`);
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
    // Its rotation is its owner's business: nothing here rotates it, and the tasks read no other secret for it.
    template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 0);
    const names = container.Environment.map((e: { Name: string }) => e.Name);
    for (const name of ['DATABASE_SECRET_ARN', 'DATABASE_SSL_MODE', 'DATABASE_SSL_ROOT_CERT']) {
      expect(names).not.toContain(name);
    }
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

  it('refuses to synthesise for a deployment without the zips: no placeholder reaches AWS', () => {
    expect(() => synth({ placeholderFunctions: undefined })).toThrow(SettingsError);
    expect(() => synth({ placeholderFunctions: false })).toThrow(/npm run build:lambda/);
  });

  it.each([
    [{ maxTasks: 20 }, /may open 150 database connections .* more than the 80/],
    [{ databasePoolSize: 10 }, /may open 150 database connections/],
    [{ databaseInstanceType: 'x9.huge' }, /give databaseMaxConnections/],
    [{ natGateways: 3 }, /natGateways must be a whole number from 0 to 2/],
    [{ alarmEmail: 'ops' }, /alarmEmail must be an e-mail address/],
    [{ databaseSslMode: 'prefer' }, /databaseSslMode must be verify-full, require or disable/],
  ])('refuses %j', (context, message) => {
    expect(() => synth(context)).toThrow(message);
  });

  it('accepts more tasks on a larger instance, or a known max_connections', () => {
    expect(() => synth({ maxTasks: 20, databaseInstanceType: 't4g.small' })).not.toThrow();
    expect(() => synth({ maxTasks: 20, databaseMaxConnections: 200 })).not.toThrow();
    expect(estimatedMaxConnections('t4g.micro')).toBe(101);
    expect(estimatedMaxConnections('db.r6g.large')).toBe(1622);
  });
});

function byText(a: unknown, b: unknown): number {
  return JSON.stringify(a).localeCompare(JSON.stringify(b));
}

describe('alarms and the dashboard', () => {
  const { template } = synth({ alarmEmail: 'ops@example.com' });
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
  const topic = logicalId(template, 'AWS::SNS::Topic');
  /** The alarm on `metric` (its name, or a math expression's text), failing unless there is exactly one. */
  const alarmOn = (metric: string) => {
    const found = alarms.filter(
      (a) => a.MetricName === metric || (a.Metrics ?? []).some((m: any) => String(m.Expression).includes(metric)),
    );
    expect(found).toHaveLength(1);
    return found[0];
  };

  it('e-mails an SNS topic that accepts TLS only', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('alarms on the dead-letter queue as soon as it holds a message', () => {
    expect(alarmOn('ApproximateNumberOfMessagesVisible')).toMatchObject({
      Namespace: 'AWS/SQS',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('alarms on the API: 5xx rate over 5 %, unhealthy tasks, p99 response time over 2 s', () => {
    const rate = alarmOn('100 * (elb + targets) / requests');
    expect(rate).toMatchObject({ Threshold: 5, ComparisonOperator: 'GreaterThanThreshold' });
    const names = rate.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat.Metric.MetricName);
    expect(names.sort()).toEqual(['HTTPCode_ELB_5XX_Count', 'HTTPCode_Target_5XX_Count', 'RequestCount']);
    expect(alarmOn('UnHealthyHostCount')).toMatchObject({ Threshold: 0, Namespace: 'AWS/ApplicationELB' });
    expect(alarmOn('TargetResponseTime')).toMatchObject({ Threshold: 2, ExtendedStatistic: 'p99' });
  });

  it('alarms on each function’s errors and throttles', () => {
    for (const metric of ['Errors', 'Throttles']) {
      const found = alarms.filter((a) => a.MetricName === metric && a.Namespace === 'AWS/Lambda');
      expect(found).toHaveLength(2);
      for (const alarm of found) expect(alarm.Threshold).toBe(0);
    }
  });

  it('alarms on the database: CPU over 80 %, under 2 GiB free, connections over 80 % of its limit', () => {
    expect(alarmOn('CPUUtilization')).toMatchObject({ Namespace: 'AWS/RDS', Threshold: 80 });
    expect(alarmOn('FreeStorageSpace')).toMatchObject({
      Threshold: 2 * 1024 ** 3,
      ComparisonOperator: 'LessThanThreshold',
    });
    expect(alarmOn('DatabaseConnections')).toMatchObject({ Threshold: 80 });
  });

  it('sends every alarm, and its end, to the topic', () => {
    expect(alarms).toHaveLength(11);
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([{ Ref: topic }]);
      expect(alarm.OKActions).toEqual([{ Ref: topic }]);
      expect(alarm.TreatMissingData).toBe('notBreaching');
    }
  });

  it('draws the same figures on one dashboard', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const body = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]);
    for (const metric of [
      'ApproximateNumberOfMessagesVisible',
      'HTTPCode_Target_5XX_Count',
      'UnHealthyHostCount',
      'TargetResponseTime',
      'Throttles',
      'CPUUtilization',
      'FreeStorageSpace',
      'DatabaseConnections',
    ]) {
      expect(body).toContain(metric);
    }
  });
});

describe('data that outlives the stack', () => {
  it('an explicit retainData=false lets `cdk destroy` delete the bucket and the database (after a snapshot)', () => {
    const { template } = synth({ retainData: false });
    for (const bucket of Object.values(template.findResources('AWS::S3::Bucket'))) {
      expect(bucket.DeletionPolicy).toBe('Delete');
    }
    expect(Object.values(template.findResources('AWS::RDS::DBInstance'))[0]).toMatchObject({
      DeletionPolicy: 'Snapshot',
      UpdateReplacePolicy: 'Snapshot',
    });
  });

  it('deletionProtection=true protects the database and the load balancer', () => {
    const { template } = synth({ deletionProtection: true });
    template.hasResourceProperties('AWS::RDS::DBInstance', { DeletionProtection: true });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'deletion_protection.enabled', Value: 'true' }]),
    });
  });

  it('the load balancer writes access logs to the logs bucket, which the region’s ELB account may write', () => {
    const { template } = synth();
    const logsBucket = logicalId(template, 'AWS::S3::Bucket', { NotificationConfiguration: Match.absent() });
    const attributes = Object.values(template.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer'))[0].Properties
      .LoadBalancerAttributes;
    expect(attributes).toEqual(
      expect.arrayContaining([
        { Key: 'access_logs.s3.enabled', Value: 'true' },
        { Key: 'access_logs.s3.bucket', Value: { Ref: logsBucket } },
        { Key: 'access_logs.s3.prefix', Value: 'alb' },
        { Key: 'deletion_protection.enabled', Value: 'false' },
      ]),
    );
    const policy = Object.values(template.findResources('AWS::S3::BucketPolicy')).find(
      (p) => p.Properties.Bucket.Ref === logsBucket,
    )!;
    const write = policy.Properties.PolicyDocument.Statement.find((s: any) => s.Sid === 'LoadBalancerAccessLogs');
    expect(write.Principal.AWS['Fn::Join'][1]).toContainEqual({
      'Fn::FindInMap': ['Elbv2AccountMap', { Ref: 'AWS::Region' }, 'value'],
    });
    expect(render(write.Resource)).toBe(`<${logsBucket}.Arn>/alb/AWSLogs/123456789012/*`);
  });
});

describe('NAT gateways', () => {
  it.each([
    [1, 1],
    [2, 2],
  ])('%i: the tasks in private subnets behind %i NAT gateway(s)', (natGateways, count) => {
    const { template } = synth({ natGateways });
    template.resourceCountIs('AWS::EC2::NatGateway', count);
    template.resourceCountIs('AWS::EC2::Subnet', 6);
    template.hasResourceProperties('AWS::ECS::Service', {
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }) },
    });
  });

  it('0: no NAT gateway, the tasks in the public subnets with public addresses, open to the load balancer only', () => {
    const { template } = synth({ natGateways: 0 });
    const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: any }>;
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::Subnet', 4);
    const network = Object.values(template.findResources('AWS::ECS::Service'))[0].Properties.NetworkConfiguration
      .AwsvpcConfiguration;
    expect(network.AssignPublicIp).toBe('ENABLED');
    for (const subnet of network.Subnets) expect(resources[subnet.Ref].Properties.MapPublicIpOnLaunch).toBe(true);
    const taskGroup = render(network.SecurityGroups[0]);
    const ingress = Object.values(resources)
      .filter((r) => r.Type === 'AWS::EC2::SecurityGroupIngress' && render(r.Properties.GroupId) === taskGroup)
      .map((r) => r.Properties);
    expect(ingress).toHaveLength(1);
    expect(render(ingress[0].SourceSecurityGroupId)).toMatch(/^<Api\w*LB\w*SecurityGroup\w*\.GroupId>$/);
    const groupId = taskGroup.replace(/^<(\w+)\.GroupId>$/, '$1');
    expect(resources[groupId].Properties.SecurityGroupIngress).toBeUndefined();
  });

  it('0: the rotation function in the isolated subnets reaches Secrets Manager through an interface endpoint there, which admits it and the tasks only', () => {
    const { template } = synth({ natGateways: 0 });
    const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: any }>;
    const rotation = Object.values(template.findResources('AWS::SecretsManager::RotationSchedule'))[0].Properties
      .HostedRotationLambda;
    const subnets = render(rotation.VpcSubnetIds).split(',');
    expect(subnets).toHaveLength(2);
    for (const subnet of subnets) expect(subnet).toMatch(/^<Vpcdata/);

    const endpointId = logicalId(template, 'AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Interface' });
    const endpoint = resources[endpointId].Properties;
    expect(render(endpoint.ServiceName)).toBe('com.amazonaws.eu-west-1.secretsmanager');
    // Its private name is Secrets Manager's own: the SDK needs no endpoint setting.
    expect(endpoint.PrivateDnsEnabled).toBe(true);
    expect(endpoint.SubnetIds.map(render).sort()).toEqual([...subnets].sort());

    const endpointGroup = render(endpoint.SecurityGroupIds[0]);
    const taskGroup = render(
      Object.values(template.findResources('AWS::ECS::Service'))[0].Properties.NetworkConfiguration.AwsvpcConfiguration
        .SecurityGroups[0],
    );
    const ingress = Object.values(resources)
      .filter((r) => r.Type === 'AWS::EC2::SecurityGroupIngress' && render(r.Properties.GroupId) === endpointGroup)
      .map((r) => [r.Properties.FromPort, render(r.Properties.SourceSecurityGroupId)]);
    expect(ingress.sort()).toEqual(
      [
        [443, render(rotation.VpcSecurityGroupIds)],
        [443, taskGroup],
      ].sort(),
    );
    expect(
      resources[endpointGroup.replace(/^<(\w+)\.GroupId>$/, '$1')].Properties.SecurityGroupIngress,
    ).toBeUndefined();
  });
});

describe('Redis (Valkey) for the rate limits', () => {
  it('is not there unless asked for', () => {
    synth().template.resourceCountIs('AWS::ElastiCache::ReplicationGroup', 0);
  });

  describe('with redis=true', () => {
    const { template } = synth({ redis: true });
    const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: any }>;
    const groupId = logicalId(template, 'AWS::ElastiCache::ReplicationGroup');
    const group = resources[groupId].Properties;

    it('replicates over two AZs in the isolated subnets, encrypted in transit and at rest, with an AUTH token', () => {
      expect(group).toMatchObject({
        Engine: 'valkey',
        NumCacheClusters: 2,
        MultiAZEnabled: true,
        AutomaticFailoverEnabled: true,
        TransitEncryptionEnabled: true,
        AtRestEncryptionEnabled: true,
      });
      expect(render(group.AuthToken)).toMatch(/^\{\{resolve:secretsmanager:<RedisToken\w+>:SecretString:::\}\}$/);
      const subnetGroup = Object.values(template.findResources('AWS::ElastiCache::SubnetGroup'))[0].Properties;
      for (const subnet of subnetGroup.SubnetIds) expect(subnet.Ref).toMatch(/data/i);
    });

    it('is reachable from the API tasks only, on its port', () => {
      const redisGroup = render(group.SecurityGroupIds[0]);
      const ingress = Object.values(resources)
        .filter((r) => r.Type === 'AWS::EC2::SecurityGroupIngress' && render(r.Properties.GroupId) === redisGroup)
        .map((r) => r.Properties);
      const serviceGroups = Object.values(template.findResources('AWS::ECS::Service'))[0].Properties
        .NetworkConfiguration.AwsvpcConfiguration.SecurityGroups;
      expect(ingress.map((r) => [r.FromPort, r.ToPort, r.SourceSecurityGroupId])).toEqual([
        [group.Port, group.Port, serviceGroups[0]],
      ]);
    });

    it('gives the tasks REDIS_URL (rediss://, the token by reference) as an ECS secret', () => {
      const container = Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0].Properties
        .ContainerDefinitions[0];
      const secret = container.Secrets.find((s: { Name: string }) => s.Name === 'REDIS_URL');
      const urlSecret = render(secret.ValueFrom).replace(/^<|>$/g, '');
      expect(render(resources[urlSecret].Properties.SecretString)).toBe(
        `rediss://:{{resolve:secretsmanager:<${render(group.AuthToken).match(/<(\w+)>/)![1]}>:SecretString:::}}` +
          `@<${groupId}.PrimaryEndPoint.Address>:<${groupId}.PrimaryEndPoint.Port>`,
      );
    });
  });
});

describe('cdk-nag (AwsSolutions)', () => {
  /** The stack's template and every AwsSolutions finding left (errors and warnings). */
  const nag = (context: Record<string, unknown>, extra?: (stack: Stack) => void) => {
    const { stack, template } = synth(context, (s) => {
      extra?.(s);
      Aspects.of(s).add(new AwsSolutionsChecks());
    });
    const annotations = Annotations.fromStack(stack);
    const findings = [
      ...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-')),
      ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-')),
    ].map((finding) => `${finding.id}: ${String(finding.entry.data).split('\n')[0]}`);
    return { template, findings };
  };
  const suppressions = (template: Template) =>
    Object.values(template.toJSON().Resources as Record<string, { Metadata?: any }>).flatMap(
      (r) => (r.Metadata?.cdk_nag?.rules_to_suppress ?? []) as Array<{ id: string; reason: string }>,
    );

  it.each([
    ['the defaults', {}],
    [
      'no NAT, Redis, deletion protection, alarms by e-mail',
      { natGateways: 0, redis: true, deletionProtection: true, alarmEmail: 'ops@example.com' },
    ],
    [
      'an external database',
      {
        database: 'external',
        databaseUrlSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:clouddrive/url-AbCdEf',
      },
    ],
  ])('finds nothing unsuppressed with %s, and every suppression says why', (_, context) => {
    const { template, findings } = nag(context);
    expect(findings).toEqual([]);
    const all = suppressions(template);
    expect(all.length).toBeGreaterThan(0);
    for (const suppression of all) expect(suppression.reason.length).toBeGreaterThanOrEqual(20);
  });

  it('accepts no unrotated database secret: the RDS credentials are rotated, and nothing suppresses SMG4 on them', () => {
    const { template, findings } = nag({});
    expect(findings).toEqual([]);
    const resources = template.toJSON().Resources as Record<string, { Type: string; Metadata?: any }>;
    const unrotated = Object.entries(resources)
      .filter(([, r]) =>
        ((r.Metadata?.cdk_nag?.rules_to_suppress ?? []) as Array<{ id: string }>).some(
          (s) => s.id === 'AwsSolutions-SMG4',
        ),
      )
      .map(([id]) => id);
    expect(unrotated.sort()).toEqual(
      [
        logicalId(template, 'AWS::SecretsManager::Secret', { Description: Match.stringLikeRegexp('JWT_SECRET') }),
        logicalId(template, 'AWS::SecretsManager::Secret', { Description: Match.stringLikeRegexp('LAMBDA_SECRET') }),
      ].sort(),
    );
  });

  it('reports what is not accepted (a queue added without TLS enforcement nor dead-letter queue)', () => {
    const { findings } = nag({}, (stack) => new sqs.Queue(stack, 'Careless'));
    expect(findings).toEqual(
      expect.arrayContaining([expect.stringMatching(/AwsSolutions-SQS3/), expect.stringMatching(/AwsSolutions-SQS4/)]),
    );
  });
});
