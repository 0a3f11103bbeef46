import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  Annotations,
  Aws,
  CfnOutput,
  Duration,
  Fn,
  RemovalPolicy,
  SecretValue,
  Stack,
  StackProps,
  aws_certificatemanager as acm,
  aws_ec2 as ec2,
  aws_ecr as ecr,
  aws_ecr_assets as ecrAssets,
  aws_ecs as ecs,
  aws_ecs_patterns as ecsPatterns,
  aws_elasticloadbalancingv2 as elbv2,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_lambda_destinations as destinations,
  aws_logs as logs,
  aws_rds as rds,
  aws_route53 as route53,
  aws_s3 as s3,
  aws_secretsmanager as secretsmanager,
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { Settings } from './settings';

/** The repository's root: the Docker build context of the API's image. */
const REPO_ROOT = resolve(__dirname, '..', '..');

/** The object key prefixes of the storage layout (shared/API.md) that the functions work on. */
export const PREFIXES = {
  files: 'files/',
  previews: 'previews/',
  profileOriginal: 'profile_photos/original/',
  profileResized: 'profile_photos/resized/',
} as const;

/** Characters left out of the generated database password, so that it goes into a URL as it is. */
const URL_UNSAFE = ' %+~`#$&*()|[]{}:;<>?!\'/@"\\=,^.';

export interface CloudDriveStackProps extends StackProps {
  settings: Settings;
}

/**
 * CloudDrive on AWS: the API as Fargate tasks behind an HTTPS load balancer across two availability zones; the
 * files' bucket, whose "object created" events under files/ and profile_photos/original/ invoke the two worker
 * functions, which call the API back through the load balancer; the secrets in Secrets Manager; PostgreSQL on RDS
 * or elsewhere.
 */
export class CloudDriveStack extends Stack {
  constructor(scope: Construct, id: string, props: CloudDriveStackProps) {
    super(scope, id, props);
    const { settings } = props;

    // ---- network: two AZs; the load balancer in public subnets, the tasks in private ones, the database isolated
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: settings.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
        { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      // The bucket's traffic from the tasks stays off the NAT gateways (and off their bill).
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    });

    // ---- secrets: generated here, never written in the template; the tasks get them from ECS, the functions from
    // Secrets Manager at cold start.
    const jwtSecret = new secretsmanager.Secret(this, 'JwtSecret', {
      description: 'CloudDrive JWT_SECRET: the HMAC key of access tokens',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    const lambdaSecret = new secretsmanager.Secret(this, 'LambdaSecret', {
      description: 'CloudDrive LAMBDA_SECRET: the X-Lambda-Secret of the internal endpoints (plain string)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });

    // ---- the files' bucket. Its name is fixed from the stack, account and region rather than generated, so the
    // functions' permissions and the notifications can name it without a reference cycle (bucket → permission to
    // invoke → function → its policy → bucket).
    const bucketName = Fn.join('-', [this.stackName.toLowerCase(), 'files', Aws.ACCOUNT_ID, Aws.REGION]);
    const bucketArn = `arn:${Aws.PARTITION}:s3:::${bucketName}`;
    const bucket = new s3.Bucket(this, 'Files', {
      bucketName,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      cors:
        settings.corsOrigins.length > 0
          ? [
              {
                allowedOrigins: settings.corsOrigins,
                allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.GET, s3.HttpMethods.HEAD],
                allowedHeaders: ['Content-Type', 'Content-Length', 'If-None-Match', 'Range'],
                exposedHeaders: ['ETag', 'Content-Length', 'Content-Range', 'Content-Disposition'],
                maxAge: 3600,
              },
            ]
          : undefined,
      lifecycleRules: [
        { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    if (settings.corsOrigins.length === 0) {
      Annotations.of(bucket).addWarning('corsOrigins is empty: browsers cannot upload to or download from the bucket');
    }

    // ---- database
    const database = this.database(vpc, settings);

    // ---- the API: Fargate tasks behind an HTTPS load balancer
    const certificate = acm.Certificate.fromCertificateArn(this, 'Certificate', settings.certificateArn);
    const domainZone = settings.hostedZone
      ? route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
          hostedZoneId: settings.hostedZone.id,
          zoneName: settings.hostedZone.name,
        })
      : undefined;
    const logGroup = new logs.LogGroup(this, 'ApiLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const api = new ecsPatterns.ApplicationLoadBalancedFargateService(this, 'Api', {
      cluster: new ecs.Cluster(this, 'Cluster', { vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED }),
      publicLoadBalancer: true,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      certificate,
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      redirectHTTP: true,
      domainName: settings.hostedZone ? settings.domainName : undefined,
      domainZone,
      taskSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      desiredCount: settings.minTasks,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      // A deployment whose tasks never get healthy is stopped and the previous task definition restored.
      circuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriod: Duration.seconds(60),
      cpu: settings.cpu,
      memoryLimitMiB: settings.memoryMiB,
      runtimePlatform: {
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
        cpuArchitecture: ecs.CpuArchitecture.X86_64,
      },
      taskImageOptions: {
        containerName: 'api',
        image: this.image(settings),
        containerPort: 8080,
        logDriver: ecs.LogDrivers.awsLogs({ streamPrefix: 'api', logGroup }),
        // Set when the tasks are defined; read only by ECS's agent (never part of the task definition's text).
        secrets: {
          JWT_SECRET: ecs.Secret.fromSecretsManager(jwtSecret),
          LAMBDA_SECRET: ecs.Secret.fromSecretsManager(lambdaSecret),
          DATABASE_URL: ecs.Secret.fromSecretsManager(database.urlSecret),
        },
      },
    });
    const apiUrl = settings.domainName
      ? `https://${settings.domainName}`
      : `https://${api.loadBalancer.loadBalancerDnsName}`;
    if (!settings.domainName) {
      Annotations.of(this).addWarning(
        'domainName is unset: API_URL is the load balancer’s DNS name, which the certificate does not cover, so the ' +
          'functions’ HTTPS calls to the API will fail verification. Set domainName to a name of the certificate.',
      );
    }
    const container = api.taskDefinition.defaultContainer!;
    const environment: Record<string, string> = {
      NODE_ENV: 'production',
      PORT: '8080',
      TRUST_PROXY: 'true',
      PUBLIC_URL: apiUrl,
      API_URL: apiUrl,
      CORS_ORIGINS: settings.corsOrigins.join(','),
      S3_BUCKET: bucket.bucketName,
      S3_REGION: Aws.REGION,
      // The functions make the previews: no worker thread in the API.
      EMBEDDED_WORKERS: 'false',
      DATABASE_MIGRATE_ON_START: String(settings.migrateOnStart),
    };
    for (const [name, value] of Object.entries(environment)) container.addEnvironment(name, value);

    api.targetGroup.configureHealthCheck({
      path: '/health',
      healthyHttpCodes: '200',
      interval: Duration.seconds(15),
      timeout: Duration.seconds(5),
      healthyThresholdCount: 2,
      unhealthyThresholdCount: 3,
    });
    api.targetGroup.setAttribute('deregistration_delay.timeout_seconds', '30');
    api.loadBalancer.setAttribute('routing.http.drop_invalid_header_fields.enabled', 'true');

    const scaling = api.service.autoScaleTaskCount({ minCapacity: settings.minTasks, maxCapacity: settings.maxTasks });
    scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: 60,
      scaleInCooldown: Duration.minutes(5),
      scaleOutCooldown: Duration.minutes(1),
    });
    scaling.scaleOnRequestCount('Requests', {
      targetGroup: api.targetGroup,
      requestsPerTarget: 1000,
      scaleInCooldown: Duration.minutes(5),
      scaleOutCooldown: Duration.minutes(1),
    });

    // The tasks: the bucket's objects (presigned PUT and GET are signed with the task's role; HEAD needs GetObject)
    // and the bucket itself for listing and HeadBucket; nothing else.
    api.taskDefinition.addToTaskRolePolicy(
      new iam.PolicyStatement({
        sid: 'FilesObjects',
        actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        resources: [bucket.arnForObjects('*')],
      }),
    );
    api.taskDefinition.addToTaskRolePolicy(
      new iam.PolicyStatement({ sid: 'FilesBucket', actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }),
    );
    database.allowFrom?.(api.service);

    // ---- the functions: S3's "object created" under their prefix, retried by Lambda's asynchronous invocation,
    // and what still fails lands in the dead-letter queue.
    const deadLetters = new sqs.Queue(this, 'WorkerDeadLetters', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    const functionEnvironment = { S3_BUCKET: bucketName, API_URL: apiUrl, LAMBDA_SECRET_ARN: lambdaSecret.secretArn };
    const worker = (id: string, zip: string, memorySize: number, timeout: Duration, description: string) => {
      const fn = new lambda.Function(this, id, {
        description,
        runtime: lambda.Runtime.NODEJS_22_X,
        architecture: lambda.Architecture.ARM_64,
        handler: 'index.handler',
        code: this.functionCode(settings, zip),
        memorySize,
        timeout,
        environment: functionEnvironment,
        retryAttempts: 2,
        maxEventAge: Duration.hours(6),
        onFailure: new destinations.SqsDestination(deadLetters),
        logGroup: new logs.LogGroup(this, `${id}Logs`, {
          retention: logs.RetentionDays.ONE_MONTH,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
      });
      // The shared secret, and that one secret only; no other AWS call but their own prefixes below.
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'ReadLambdaSecret',
          actions: ['secretsmanager:GetSecretValue'],
          resources: [lambdaSecret.secretArn],
        }),
      );
      return fn;
    };
    // Listing under its own prefix only: without s3:ListBucket, S3 answers a HEAD of a missing object with 403,
    // not 404, and the worker could not tell an object deleted meanwhile from a misconfiguration.
    const listOnly = (sid: string, prefix: string) =>
      new iam.PolicyStatement({
        sid,
        actions: ['s3:ListBucket'],
        resources: [bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
      });
    const filesFunction = worker(
      'FilesFunction',
      'files.zip',
      1024,
      Duration.seconds(30),
      'CloudDrive: confirms uploads under files/ (sniffed type, size) and makes their previews',
    );
    filesFunction.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadUploads',
        actions: ['s3:GetObject'],
        resources: [`${bucketArn}/${PREFIXES.files}*`],
      }),
    );
    filesFunction.addToRolePolicy(
      new iam.PolicyStatement({
        // Delete: a preview made for a file purged meanwhile is removed by the worker that wrote it.
        sid: 'WritePreviews',
        actions: ['s3:PutObject', 's3:DeleteObject'],
        resources: [`${bucketArn}/${PREFIXES.previews}*`],
      }),
    );
    filesFunction.addToRolePolicy(listOnly('ListUploads', PREFIXES.files));
    const profileFunction = worker(
      'ProfilePhotosFunction',
      'profile-photos.zip',
      512,
      Duration.seconds(15),
      'CloudDrive: resizes profile photos from profile_photos/original/ into profile_photos/resized/',
    );
    profileFunction.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadAndRemoveOriginals',
        actions: ['s3:GetObject', 's3:DeleteObject'],
        resources: [`${bucketArn}/${PREFIXES.profileOriginal}*`],
      }),
    );
    profileFunction.addToRolePolicy(listOnly('ListOriginals', PREFIXES.profileOriginal));
    profileFunction.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'WriteResized',
        actions: ['s3:PutObject'],
        resources: [`${bucketArn}/${PREFIXES.profileResized}*`],
      }),
    );

    // S3 checks, when the notifications are set, that it may invoke each function: the permissions come first.
    const cfnBucket = bucket.node.defaultChild as s3.CfnBucket;
    const notifications: s3.CfnBucket.LambdaConfigurationProperty[] = [];
    for (const [fn, prefix] of [
      [filesFunction, PREFIXES.files],
      [profileFunction, PREFIXES.profileOriginal],
    ] as const) {
      const permission = new lambda.CfnPermission(this, `${fn.node.id}InvokedByBucket`, {
        action: 'lambda:InvokeFunction',
        functionName: fn.functionArn,
        principal: 's3.amazonaws.com',
        sourceArn: bucketArn,
        sourceAccount: Aws.ACCOUNT_ID,
      });
      cfnBucket.addResourceDependency(permission);
      notifications.push({
        event: 's3:ObjectCreated:*',
        function: fn.functionArn,
        filter: { s3Key: { rules: [{ name: 'prefix', value: prefix }] } },
      });
    }
    cfnBucket.notificationConfiguration = { lambdaConfigurations: notifications };

    // ---- outputs
    new CfnOutput(this, 'ApiUrl', { value: apiUrl, description: 'The API, as clients and the functions reach it' });
    new CfnOutput(this, 'BucketName', { value: bucket.bucketName, description: 'The files’ bucket' });
    new CfnOutput(this, 'LoadBalancerDnsName', {
      value: api.loadBalancer.loadBalancerDnsName,
      description: 'Point domainName here (CNAME or alias) when no hosted zone is given',
    });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: deadLetters.queueUrl });
    new CfnOutput(this, 'LambdaSecretArn', { value: lambdaSecret.secretArn });
    // What `aws ecs run-task` needs for the one-off migration task (README).
    new CfnOutput(this, 'ClusterName', { value: api.cluster.clusterName });
    new CfnOutput(this, 'ServiceName', { value: api.service.serviceName });
    new CfnOutput(this, 'TaskDefinitionArn', { value: api.taskDefinition.taskDefinitionArn });
    new CfnOutput(this, 'TaskSecurityGroupId', {
      value: api.service.connections.securityGroups[0].securityGroupId,
    });
    new CfnOutput(this, 'TaskSubnetIds', {
      value: vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnetIds.join(','),
    });
  }

  /** The image: a pushed one (CI), or built from the repository's Dockerfile at deploy time. */
  private image(settings: Settings): ecs.ContainerImage {
    if (!settings.imageUri) {
      return ecs.ContainerImage.fromAsset(REPO_ROOT, { platform: ecrAssets.Platform.LINUX_AMD64 });
    }
    // An ECR image is pulled with the execution role, which then needs a grant on that repository.
    const ecrImage =
      /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)(?::([^@]+))?(?:@(sha256:[a-f0-9]{64}))?$/.exec(
        settings.imageUri,
      );
    if (!ecrImage) return ecs.ContainerImage.fromRegistry(settings.imageUri);
    const [, account, region, name, tag, digest] = ecrImage;
    const repository = ecr.Repository.fromRepositoryAttributes(this, 'ImageRepository', {
      repositoryName: name,
      repositoryArn: `arn:${Aws.PARTITION}:ecr:${region}:${account}:repository/${name}`,
    });
    return ecs.ContainerImage.fromEcrRepository(repository, digest ?? tag ?? 'latest');
  }

  /** A function's zip from `npm run build:lambda`, or a placeholder that fails every event (synth and tests). */
  private functionCode(settings: Settings, zip: string): lambda.Code {
    const dir = settings.lambdaAssetDir ?? join(REPO_ROOT, 'dist', 'lambda');
    const file = resolve(dir, zip);
    if (existsSync(file)) return lambda.Code.fromAsset(file);
    if (settings.lambdaAssetDir) throw new Error(`lambdaAssetDir: ${file} does not exist (run npm run build:lambda)`);
    Annotations.of(this).addWarning(
      `${zip} not found under dist/lambda: the function is a placeholder that fails every event. ` +
        'Run `npm run build:lambda` or pass -c lambdaAssetDir=… before deploying.',
    );
    return lambda.Code.fromInline(
      "exports.handler = async () => { throw new Error('placeholder code: deploy with -c lambdaAssetDir'); };",
    );
  }

  private database(
    vpc: ec2.IVpc,
    settings: Settings,
  ): { urlSecret: secretsmanager.ISecret; allowFrom?: (peer: ec2.IConnectable) => void } {
    const config = settings.database;
    if (config.mode === 'external') {
      return { urlSecret: secretsmanager.Secret.fromSecretCompleteArn(this, 'DatabaseUrl', config.urlSecretArn) };
    }
    const instance = new rds.DatabaseInstance(this, 'Database', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17 }),
      instanceType: new ec2.InstanceType(config.instanceType),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      multiAz: config.multiAz,
      databaseName: 'clouddrive',
      credentials: rds.Credentials.fromGeneratedSecret('clouddrive', { excludeCharacters: URL_UNSAFE }),
      storageEncrypted: true,
      allocatedStorage: 20,
      maxAllocatedStorage: 200,
      backupRetention: Duration.days(7),
      deletionProtection: true,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      publiclyAccessible: false,
    });
    // DATABASE_URL, assembled by CloudFormation from the generated secret's fields (dynamic references: the password
    // never appears in the template). The password has no character that needs escaping in a URL.
    const field = (name: string) => instance.secret!.secretValueFromJson(name).unsafeUnwrap();
    const url = Fn.join('', [
      'postgres://',
      field('username'),
      ':',
      field('password'),
      '@',
      instance.dbInstanceEndpointAddress,
      ':',
      instance.dbInstanceEndpointPort,
      `/clouddrive?sslmode=${config.sslMode}`,
    ]);
    const urlSecret = new secretsmanager.Secret(this, 'DatabaseUrl', {
      description: 'CloudDrive DATABASE_URL, built from the RDS instance and its generated credentials',
      secretStringValue: SecretValue.unsafePlainText(url),
    });
    return { urlSecret, allowFrom: (peer) => instance.connections.allowDefaultPortFrom(peer, 'the API tasks') };
  }
}
