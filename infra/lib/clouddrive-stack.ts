import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  Annotations,
  Aws,
  CfnDeletionPolicy,
  CfnOutput,
  CfnResource,
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
  aws_elasticache as elasticache,
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
import { FactName } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';
import { Monitoring } from './monitoring';
import { suppressNagFindings } from './nag';
import { DEPLOYMENT_MAX_PERCENT, RDS_CA_BUNDLE_PATH, Settings, SettingsError, connectionBudget } from './settings';

/** The repository's root: the Docker build context of the API's image. */
const REPO_ROOT = resolve(__dirname, '..', '..');

/** The object key prefixes of the storage layout (shared/API.md) that the functions work on. */
export const PREFIXES = {
  files: 'files/',
  previews: 'previews/',
  profileOriginal: 'profile_photos/original/',
  profileResized: 'profile_photos/resized/',
} as const;

/** Not the default 6379: a scan of the VPC's usual ports finds nothing (and cdk-nag's AEC5 asks for it). */
const REDIS_PORT = 6380;

/**
 * Characters left out of the generated and the rotated database passwords, so that a person can put one in a URL
 * as it is (psql); the secret was generated with this set, and changing it would replace the secret.
 */
const URL_UNSAFE = ' %+~`#$&*()|[]{}:;<>?!\'/@"\\=,^.';

/** The database's user, and its database's name. */
const DATABASE_USER = 'clouddrive';

/** How often Secrets Manager rotates the database password. */
const DATABASE_ROTATION = Duration.days(30);

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

    // ---- network: two AZs; the load balancer in public subnets, the tasks in private ones (or, without a NAT
    // gateway, in the public ones with public addresses, reachable only through their security group), the
    // database and the cache isolated.
    const withNat = settings.natGateways > 0;
    const taskSubnetType = withNat ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PUBLIC;
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: settings.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        ...(withNat ? [{ name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 }] : []),
        { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      // The bucket's traffic from the tasks stays off the NAT gateways (and off their bill).
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
      // Rejected connections only: what a security group refused is worth seeing, accepted traffic is the bill.
      flowLogs: {
        rejected: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(
            new logs.LogGroup(this, 'VpcFlowLogs', {
              retention: logs.RetentionDays.ONE_MONTH,
              removalPolicy: RemovalPolicy.DESTROY,
            }),
          ),
          trafficType: ec2.FlowLogTrafficType.REJECT,
        },
      },
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
    // invoke → function → its policy → bucket). Kept on update and delete but not when a first deploy rolls back
    // (RetainExceptOnCreate), so a failed first deploy leaves no bucket to collide with the next.
    const dataRemoval = settings.retainData ? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE : RemovalPolicy.DESTROY;
    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // The load balancer writes its logs only to SSE-S3 buckets.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: 'expire-logs', expiration: Duration.days(90) }],
      removalPolicy: dataRemoval,
    });
    const bucketName = Fn.join('-', [this.stackName.toLowerCase(), 'files', Aws.ACCOUNT_ID, Aws.REGION]);
    const bucketArn = `arn:${Aws.PARTITION}:s3:::${bucketName}`;
    const bucket = new s3.Bucket(this, 'Files', {
      bucketName,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // An object overwritten or deleted by mistake can be restored for 30 days.
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 's3/',
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
        {
          id: 'expire-noncurrent-versions',
          noncurrentVersionExpiration: Duration.days(30),
          expiredObjectDeleteMarker: true,
        },
      ],
      removalPolicy: dataRemoval,
    });
    if (settings.corsOrigins.length === 0) {
      Annotations.of(bucket).addWarning('corsOrigins is empty: browsers cannot upload to or download from the bucket');
    }

    // ---- database
    const database = this.database(vpc, settings, withNat);

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
      taskSubnets: { subnetType: taskSubnetType },
      assignPublicIp: !withNat,
      minHealthyPercent: 100,
      // Counted in the database's connections (settings.ts, connectionBudget).
      maxHealthyPercent: DEPLOYMENT_MAX_PERCENT,
      // A deployment whose tasks never get healthy is stopped and the previous task definition restored.
      circuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriod: Duration.seconds(60),
      cpu: settings.cpu,
      memoryLimitMiB: settings.memoryMiB,
      runtimePlatform: {
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
        // Graviton: about 20 % cheaper than x86 for the same vCPU and memory.
        cpuArchitecture: ecs.CpuArchitecture.ARM64,
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
          ...(database.urlSecret ? { DATABASE_URL: ecs.Secret.fromSecretsManager(database.urlSecret) } : {}),
        },
      },
    });
    // No DesiredCount in the template: a deploy would reset a scaled-out service to it. Autoscaling's minimum
    // capacity sets the count (ECS starts a new service with one task, and autoscaling raises it at once).
    (api.service.node.defaultChild as ecs.CfnService).addPropertyDeletionOverride('DesiredCount');
    this.logAccessLogs(api.loadBalancer, accessLogs);
    api.loadBalancer.setAttribute('deletion_protection.enabled', String(settings.deletionProtection));
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
      // The load balancer's nodes live in the VPC: trust X-Forwarded-For from them only, so that a client cannot
      // choose the address its rate limits are counted under.
      TRUST_PROXY: vpc.vpcCidrBlock,
      PUBLIC_URL: apiUrl,
      API_URL: apiUrl,
      CORS_ORIGINS: settings.corsOrigins.join(','),
      S3_BUCKET: bucket.bucketName,
      S3_REGION: Aws.REGION,
      // The functions make the previews: no worker thread in the API.
      EMBEDDED_WORKERS: 'false',
      DATABASE_MIGRATE_ON_START: String(settings.migrateOnStart),
      DATABASE_POOL_SIZE: String(settings.databasePoolSize),
      ...database.environment,
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
    if (database.credentials) {
      // The rotated credentials, read by the API itself (not by ECS at start): that one secret only.
      api.taskDefinition.addToTaskRolePolicy(
        new iam.PolicyStatement({
          sid: 'ReadDatabaseCredentials',
          actions: ['secretsmanager:GetSecretValue'],
          resources: [database.credentials.secretArn],
        }),
      );
    }
    const redis = settings.redis ? this.redis(vpc, settings.redis.nodeType, api.service) : undefined;
    if (redis) container.addSecret('REDIS_URL', ecs.Secret.fromSecretsManager(redis.urlSecret));

    // ---- the functions: S3's "object created" under their prefix, retried by Lambda's asynchronous invocation,
    // and what still fails lands in the dead-letter queue.
    const deadLetters = new sqs.Queue(this, 'WorkerDeadLetters', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    const worker = (
      id: string,
      zip: string,
      memorySize: number,
      timeout: Duration,
      concurrency: number,
      description: string,
    ) => {
      const fn = new lambda.Function(this, id, {
        description,
        runtime: lambda.Runtime.NODEJS_22_X,
        // The zips carry sharp for arm64 only (scripts/build-lambda.ts, DEPLOYED_ARCH).
        architecture: lambda.Architecture.ARM_64,
        handler: 'index.handler',
        code: this.functionCode(settings, zip),
        memorySize,
        timeout,
        // Bursts of uploads wait in Lambda's queue (retried up to maxEventAge) instead of reaching the API and
        // the database all at once.
        reservedConcurrentExecutions: concurrency > 0 ? concurrency : undefined,
        environment: {
          S3_BUCKET: bucketName,
          API_URL: apiUrl,
          LAMBDA_SECRET_ARN: lambdaSecret.secretArn,
          // A call to the API, its retries included, ends well before the timeout (the invocation's remaining
          // time bounds it too): a third of it, as the files function calls the API twice.
          API_RETRY_BUDGET_MS: String(Math.floor(timeout.toMilliseconds() / 3)),
        },
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
      settings.filesConcurrency,
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
      settings.profilePhotosConcurrency,
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

    // ---- alarms (to the SNS topic) and the dashboard
    const monitoring = new Monitoring(this, 'Monitoring', {
      alarmEmail: settings.alarmEmail,
      deadLetters,
      loadBalancer: api.loadBalancer,
      targetGroup: api.targetGroup,
      functions: [filesFunction, profileFunction],
      database: database.instance,
      databaseMaxConnections: connectionBudget(settings)?.limit,
    });

    // ---- outputs
    new CfnOutput(this, 'ApiUrl', { value: apiUrl, description: 'The API, as clients and the functions reach it' });
    new CfnOutput(this, 'BucketName', { value: bucket.bucketName, description: 'The files’ bucket' });
    new CfnOutput(this, 'LoadBalancerDnsName', {
      value: api.loadBalancer.loadBalancerDnsName,
      description: 'Point domainName here (CNAME or alias) when no hosted zone is given',
    });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: deadLetters.queueUrl });
    new CfnOutput(this, 'LambdaSecretArn', { value: lambdaSecret.secretArn });
    if (database.credentials) {
      new CfnOutput(this, 'DatabaseSecretArn', {
        value: database.credentials.secretArn,
        description: 'The RDS credentials, rotated every 30 days (aws secretsmanager rotate-secret to rotate now)',
      });
    }
    // What `aws ecs run-task` needs for the one-off migration task (README).
    new CfnOutput(this, 'ClusterName', { value: api.cluster.clusterName });
    new CfnOutput(this, 'ServiceName', { value: api.service.serviceName });
    new CfnOutput(this, 'TaskDefinitionArn', { value: api.taskDefinition.taskDefinitionArn });
    new CfnOutput(this, 'TaskSecurityGroupId', {
      value: api.service.connections.securityGroups[0].securityGroupId,
    });
    new CfnOutput(this, 'TaskSubnetIds', {
      value: vpc.selectSubnets({ subnetType: taskSubnetType }).subnetIds.join(','),
    });
    new CfnOutput(this, 'TaskPublicIp', { value: withNat ? 'DISABLED' : 'ENABLED' });
    new CfnOutput(this, 'AlarmTopicArn', { value: monitoring.topic.topicArn });

    suppressNagFindings(this, settings);
  }

  /**
   * The load balancer's access logs under alb/ in the logs bucket, written by the region's Elastic Load Balancing
   * account (from CDK's table of regions, as a mapping: the stack has no region at synthesis;
   * `logAccessLogs` needs one).
   */
  private logAccessLogs(loadBalancer: elbv2.ApplicationLoadBalancer, bucket: s3.Bucket): void {
    const prefix = 'alb';
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'LoadBalancerAccessLogs',
        actions: ['s3:PutObject'],
        principals: [new iam.AccountPrincipal(this.regionalFact(FactName.ELBV2_ACCOUNT))],
        resources: [bucket.arnForObjects(`${prefix}/AWSLogs/${Aws.ACCOUNT_ID}/*`)],
      }),
    );
    loadBalancer.setAttribute('access_logs.s3.enabled', 'true');
    loadBalancer.setAttribute('access_logs.s3.bucket', bucket.bucketName);
    loadBalancer.setAttribute('access_logs.s3.prefix', prefix);
    // The load balancer checks that it may write there when the attribute is set.
    loadBalancer.node.addDependency(bucket);
  }

  /** The image: a pushed one (CI), or built from the repository's Dockerfile at deploy time. */
  private image(settings: Settings): ecs.ContainerImage {
    if (!settings.imageUri) {
      return ecs.ContainerImage.fromAsset(REPO_ROOT, { platform: ecrAssets.Platform.LINUX_ARM64 });
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

  /**
   * A function's zip from `npm run build:lambda`. Missing, it stops synthesis, unless placeholderFunctions (CI's
   * synth, tests) asks for a placeholder that fails every event: nothing else can be deployed by mistake.
   */
  private functionCode(settings: Settings, zip: string): lambda.Code {
    const dir = settings.lambdaAssetDir ?? join(REPO_ROOT, 'dist', 'lambda');
    const file = resolve(dir, zip);
    if (existsSync(file)) return lambda.Code.fromAsset(file);
    if (!settings.placeholderFunctions || settings.lambdaAssetDir) {
      throw new SettingsError([
        `${file} does not exist: run npm run build:lambda (or pass -c lambdaAssetDir=…); ` +
          '-c placeholderFunctions=true synthesises without it, for checks only',
      ]);
    }
    Annotations.of(this).addWarning(
      `${zip} not found: placeholderFunctions is set, the function is a placeholder that fails every event. ` +
        'Never deploy this template.',
    );
    return lambda.Code.fromInline(
      "exports.handler = async () => { throw new Error('placeholder code: deploy with the zips of npm run build:lambda'); };",
    );
  }

  /**
   * The database. External: its URL secret, given to the tasks by ECS. RDS: the instance, whose generated
   * credentials secret Secrets Manager rotates every 30 days (the hosted single-user rotation function, in the
   * VPC); the tasks read that secret themselves (DATABASE_SECRET_ARN) whenever a new connection may need the new
   * password, so a rotation needs neither a deploy nor a restart.
   */
  private database(
    vpc: ec2.IVpc,
    settings: Settings,
    withNat: boolean,
  ): {
    urlSecret?: secretsmanager.ISecret;
    credentials?: secretsmanager.ISecret;
    environment: Record<string, string>;
    instance?: rds.DatabaseInstance;
    allowFrom?: (peer: ec2.IConnectable) => void;
  } {
    const config = settings.database;
    if (config.mode === 'external') {
      return {
        urlSecret: secretsmanager.Secret.fromSecretCompleteArn(this, 'DatabaseUrl', config.urlSecretArn),
        environment: {},
      };
    }
    const instance = new rds.DatabaseInstance(this, 'Database', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17 }),
      instanceType: new ec2.InstanceType(config.instanceType),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      multiAz: config.multiAz,
      // The same as the user name: the secret has no dbname, and the API then connects to the user's name (libpq's
      // default database).
      databaseName: DATABASE_USER,
      credentials: rds.Credentials.fromGeneratedSecret(DATABASE_USER, { excludeCharacters: URL_UNSAFE }),
      storageEncrypted: true,
      storageType: rds.StorageType.GP3,
      allocatedStorage: 20,
      maxAllocatedStorage: 200,
      backupRetention: Duration.days(7),
      // Off on a first deploy: a create that rolls back must be able to delete the instance (README).
      deletionProtection: settings.deletionProtection,
      publiclyAccessible: false,
    });
    // Kept on update and delete (a replacement or `cdk destroy` leaves it in place), removed only when the create
    // that made it rolls back; with retainData=false, deleted after a final snapshot.
    const cfnInstance = instance.node.defaultChild as CfnResource;
    cfnInstance.cfnOptions.deletionPolicy = settings.retainData
      ? CfnDeletionPolicy.RETAIN_EXCEPT_ON_CREATE
      : CfnDeletionPolicy.SNAPSHOT;
    cfnInstance.cfnOptions.updateReplacePolicy = settings.retainData
      ? CfnDeletionPolicy.RETAIN
      : CfnDeletionPolicy.SNAPSHOT;

    // The secret holds host, port, username and password (its attachment to the instance adds the first two).
    const credentials = instance.secret!;
    // The rotation function changes the password in the database, then in the secret: it reaches both from the
    // VPC, through the NAT gateways or, without them, from the isolated subnets through an interface endpoint.
    // Its private DNS name is the VPC's Secrets Manager: the tasks (ECS's secrets, DATABASE_SECRET_ARN) reach it
    // there too, so it admits them as well (allowFrom).
    const endpoint = withNat
      ? undefined
      : vpc.addInterfaceEndpoint('SecretsManagerEndpoint', {
          service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
          subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
          privateDnsEnabled: true,
          open: false,
        });
    const rotation = secretsmanager.HostedRotation.postgreSqlSingleUser({
      vpc,
      vpcSubnets: { subnetType: withNat ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED },
      excludeCharacters: URL_UNSAFE,
    });
    credentials.addRotationSchedule('Rotation', {
      hostedRotation: rotation,
      automaticallyAfter: DATABASE_ROTATION,
      // Not while the deploy that adds or changes the schedule runs: tasks of the previous release may still be
      // serving (those before DATABASE_SECRET_ARN held the password in DATABASE_URL).
      rotateImmediatelyOnUpdate: false,
    });
    instance.connections.allowDefaultPortFrom(rotation, 'the rotation of its password');
    endpoint?.connections.allowDefaultPortFrom(rotation, 'the rotation of the database password');

    return {
      credentials,
      environment: {
        DATABASE_SECRET_ARN: credentials.secretArn,
        DATABASE_SSL_MODE: config.sslMode,
        // verify-full: the server's certificate is checked against the RDS CA bundle the image carries.
        ...(config.sslMode === 'verify-full' ? { DATABASE_SSL_ROOT_CERT: RDS_CA_BUNDLE_PATH } : {}),
      },
      instance,
      allowFrom: (peer) => {
        instance.connections.allowDefaultPortFrom(peer, 'the API tasks');
        endpoint?.connections.allowDefaultPortFrom(peer, 'the API tasks');
      },
    };
  }

  /**
   * Valkey on ElastiCache for the API's rate limits: a primary and a replica in the isolated subnets (failover
   * across the two AZs), TLS in transit with an AUTH token, reachable from the tasks only; REDIS_URL (rediss://)
   * assembled in a secret from the generated token.
   */
  private redis(
    vpc: ec2.IVpc,
    nodeType: string,
    tasks: ec2.IConnectable,
  ): { urlSecret: secretsmanager.ISecret; group: elasticache.CfnReplicationGroup } {
    const port = REDIS_PORT;
    const securityGroup = new ec2.SecurityGroup(this, 'RedisSecurityGroup', {
      vpc,
      description: 'CloudDrive Valkey: the API tasks only',
      allowAllOutbound: false,
    });
    securityGroup.connections.allowFrom(tasks, ec2.Port.tcp(port), 'the API tasks');
    const subnets = new elasticache.CfnSubnetGroup(this, 'RedisSubnets', {
      description: 'CloudDrive Valkey: the isolated subnets',
      subnetIds: vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_ISOLATED }).subnetIds,
    });
    const token = new secretsmanager.Secret(this, 'RedisToken', {
      description: 'CloudDrive Valkey AUTH token',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    const group = new elasticache.CfnReplicationGroup(this, 'Redis', {
      replicationGroupDescription: 'CloudDrive: the API rate limits',
      engine: 'valkey',
      engineVersion: '8.0',
      cacheNodeType: nodeType,
      numCacheClusters: 2,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      port,
      cacheSubnetGroupName: subnets.ref,
      securityGroupIds: [securityGroup.securityGroupId],
      transitEncryptionEnabled: true,
      atRestEncryptionEnabled: true,
      authToken: token.secretValue.unsafeUnwrap(),
      snapshotRetentionLimit: 0,
    });
    const url = Fn.join('', [
      'rediss://:',
      token.secretValue.unsafeUnwrap(),
      '@',
      group.attrPrimaryEndPointAddress,
      ':',
      group.attrPrimaryEndPointPort,
    ]);
    const urlSecret = new secretsmanager.Secret(this, 'RedisUrl', {
      description: 'CloudDrive REDIS_URL, built from the replication group and its AUTH token',
      secretStringValue: SecretValue.unsafePlainText(url),
    });
    return { urlSecret, group };
  }
}
