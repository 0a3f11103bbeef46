import { Stack, aws_lambda as lambda, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { NagPackSuppression, NagSuppressions } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { Settings } from './settings';

/**
 * Why each secret is not rotated by Secrets Manager, by its construct id. The RDS credentials are (the stack's
 * rotation schedule): only secrets without one need a reason here.
 */
const UNROTATED_SECRETS: Record<string, string> = {
  JwtSecret: 'JWT_SECRET signs the access tokens: rotating it logs every user out; rotate by hand (README) when needed',
  LambdaSecret:
    'LAMBDA_SECRET is shared by the tasks and the functions, which read it at start: rotated by hand (README)',
  RedisToken: 'The Valkey AUTH token: REDIS_URL is assembled from it at deploy time; rotated by hand with a deploy',
  RedisUrl: 'Derived from the Valkey AUTH token at deploy time; it changes with it',
};

/**
 * cdk-nag's AwsSolutions findings that are accepted, each with its reason (the infra tests run the checks and
 * require no other finding).
 */
export function suppressNagFindings(stack: Stack, settings: Settings): void {
  const find = (path: string): IConstruct => {
    const found = stack.node.tryFindChild(path.split('/')[0]);
    const child = path
      .split('/')
      .slice(1)
      .reduce<IConstruct | undefined>((node, id) => node?.node.tryFindChild(id), found);
    if (!child) throw new Error(`nag suppressions: no construct ${path}`);
    return child;
  };
  const suppress = (construct: IConstruct, suppressions: NagPackSuppression[]) =>
    NagSuppressions.addResourceSuppressions(construct, suppressions, true);
  const objectWildcards = {
    id: 'AwsSolutions-IAM5',
    reason: 'Objects under one prefix of the bucket (or the whole bucket for the API): keys are per user and file',
    appliesTo: [{ regex: '/^Resource::.*\\/\\*$/g' }],
  };

  suppress(find('Api/LB'), [
    {
      id: 'AwsSolutions-EC23',
      reason: 'The public API: the load balancer takes HTTPS (and HTTP, redirected) from anyone',
    },
  ]);
  suppress(find('Api/TaskDef'), [
    {
      id: 'AwsSolutions-ECS2',
      reason: 'Plain configuration only (URLs, bucket, flags); every secret is an ECS secret',
    },
    {
      id: 'AwsSolutions-IAM5',
      reason: 'ecr:GetAuthorizationToken has no resource narrower than "*" (ECS pulls the image with it)',
      appliesTo: ['Resource::*'],
    },
    objectWildcards,
  ]);

  for (const fn of stack.node.findAll().filter((c): c is lambda.Function => c instanceof lambda.Function)) {
    suppress(fn, [
      {
        id: 'AwsSolutions-IAM4',
        reason: 'AWSLambdaBasicExecutionRole: the function’s own logs, nothing else',
        appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
      },
      objectWildcards,
      {
        id: 'AwsSolutions-L1',
        reason: 'Node.js 22, the runtime the zips are built and tested for (scripts/build-lambda.ts targets node22)',
      },
    ]);
  }

  suppress(find('WorkerDeadLetters'), [
    { id: 'AwsSolutions-SQS3', reason: 'This is the functions’ dead-letter queue (their on-failure destination)' },
  ]);

  if (settings.database.mode === 'rds') {
    suppress(find('Database'), [
      {
        id: 'AwsSolutions-RDS11',
        reason: 'The default port: the instance is in isolated subnets, open to the API tasks’ security group only',
      },
      ...(settings.deletionProtection
        ? []
        : [
            {
              id: 'AwsSolutions-RDS10',
              reason:
                'Off on a first deploy so a rollback can complete; the deploy workflow turns it on once the stack ' +
                'exists, and the instance is kept by the stack on update and delete (RetainExceptOnCreate)',
            },
          ]),
    ]);
  }

  const rotated = (secret: IConstruct) =>
    secret.node.findAll().some((c) => c instanceof secretsmanager.RotationSchedule);
  for (const secret of stack.node.findAll().filter((c) => c instanceof secretsmanager.Secret && !rotated(c))) {
    const reason = UNROTATED_SECRETS[secret.node.id];
    if (!reason) throw new Error(`nag suppressions: no reason for the secret ${secret.node.path}`);
    suppress(secret, [{ id: 'AwsSolutions-SMG4', reason }]);
  }
}
