import {
  Duration,
  aws_cloudwatch as cloudwatch,
  aws_cloudwatch_actions as actions,
  aws_elasticloadbalancingv2 as elbv2,
  aws_lambda as lambda,
  aws_rds as rds,
  aws_sns as sns,
  aws_sns_subscriptions as subscriptions,
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';

export interface MonitoringProps {
  alarmEmail: string | undefined;
  deadLetters: sqs.IQueue;
  loadBalancer: elbv2.ApplicationLoadBalancer;
  targetGroup: elbv2.ApplicationTargetGroup;
  functions: lambda.Function[];
  /** Unset with an external database: its alarms are the operator's. */
  database: rds.DatabaseInstance | undefined;
  databaseMaxConnections: number | undefined;
}

/** The thresholds, in one place (README, Deploying to AWS, lists them). */
export const THRESHOLDS = {
  /** Percent of the load balancer's requests answered 5xx (by itself or by the tasks), over 5 minutes. */
  http5xxPercent: 5,
  /** Seconds: the 99th percentile of the tasks' response time, over 5 minutes. */
  p99Seconds: 2,
  rdsCpuPercent: 80,
  rdsFreeStorageBytes: 2 * 1024 ** 3,
  /** Percent of max_connections in use. */
  rdsConnectionsPercent: 80,
} as const;

const FIVE_MINUTES = Duration.minutes(5);

/**
 * The alarms on what needs a person (each to one SNS topic, e-mailed to alarmEmail) and one dashboard with the
 * same figures: failed events in the dead-letter queue, the API's errors, unhealthy tasks and latency, the
 * functions' errors and throttles, the database's CPU, storage and connections.
 */
export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Alarms', { displayName: 'CloudDrive alarms', enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));

    const alarm = (
      name: string,
      metric: cloudwatch.IMetric,
      threshold: number,
      description: string,
      comparison = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      periods = 1,
    ) => {
      const created = new cloudwatch.Alarm(this, name, {
        metric,
        threshold,
        comparisonOperator: comparison,
        evaluationPeriods: periods,
        datapointsToAlarm: periods,
        alarmDescription: description,
        // No data (no traffic, an idle function) is not a failure.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(new actions.SnsAction(this.topic));
      created.addOkAction(new actions.SnsAction(this.topic));
      this.alarms.push(created);
      return created;
    };

    const deadLetters = props.deadLetters.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(1),
      statistic: cloudwatch.Stats.MAXIMUM,
    });
    alarm('DeadLetters', deadLetters, 0, 'Events the functions failed after their retries: see the dead-letter queue');

    const lb = props.loadBalancer.metrics;
    const requests = lb.requestCount({ period: FIVE_MINUTES });
    const errors5xx = new cloudwatch.MathExpression({
      label: '5xx % of requests',
      expression: 'IF(requests > 0, 100 * (elb + targets) / requests, 0)',
      usingMetrics: {
        requests,
        elb: lb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period: FIVE_MINUTES }),
        targets: lb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: FIVE_MINUTES }),
      },
      period: FIVE_MINUTES,
    });
    alarm('Http5xx', errors5xx, THRESHOLDS.http5xxPercent, 'More than 5 % of the API’s answers are 5xx');

    const tg = props.targetGroup.metrics;
    const unhealthy = tg.unhealthyHostCount({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM });
    alarm(
      'UnhealthyTasks',
      unhealthy,
      0,
      'API tasks failing the load balancer’s health check for 3 minutes',
      cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      3,
    );
    const p99 = tg.targetResponseTime({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.p(99) });
    alarm(
      'ResponseTimeP99',
      p99,
      THRESHOLDS.p99Seconds,
      'The API’s 99th percentile response time is above 2 s for 15 minutes',
      cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      3,
    );

    const functionWidgets: cloudwatch.IWidget[] = [];
    for (const fn of props.functions) {
      const name = fn.node.id.replace(/Function$/, '');
      const errors = fn.metricErrors({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM });
      const throttles = fn.metricThrottles({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM });
      alarm(`${name}Errors`, errors, 0, `${name}: failed invocations (retried, then dead-lettered)`);
      alarm(`${name}Throttles`, throttles, 0, `${name}: throttled at its reserved concurrency (events wait, retried)`);
      functionWidgets.push(
        new cloudwatch.GraphWidget({
          title: `λ ${name}: invocations, errors, throttles`,
          left: [fn.metricInvocations({ period: FIVE_MINUTES }), errors, throttles],
          right: [fn.metricDuration({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.p(99) })],
        }),
      );
    }

    const databaseWidgets: cloudwatch.IWidget[] = [];
    if (props.database) {
      const cpu = props.database.metricCPUUtilization({ period: FIVE_MINUTES });
      const storage = props.database.metricFreeStorageSpace({ period: FIVE_MINUTES });
      const connections = props.database.metricDatabaseConnections({
        period: FIVE_MINUTES,
        statistic: cloudwatch.Stats.MAXIMUM,
      });
      alarm(
        'DatabaseCpu',
        cpu,
        THRESHOLDS.rdsCpuPercent,
        'The database’s CPU above 80 % for 15 minutes',
        cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        3,
      );
      alarm(
        'DatabaseFreeStorage',
        storage,
        THRESHOLDS.rdsFreeStorageBytes,
        'Less than 2 GiB free on the database (storage autoscaling may have reached its maximum)',
        cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      );
      if (props.databaseMaxConnections) {
        alarm(
          'DatabaseConnections',
          connections,
          Math.floor((props.databaseMaxConnections * THRESHOLDS.rdsConnectionsPercent) / 100),
          `More than 80 % of the database's ${props.databaseMaxConnections} connections in use`,
        );
      }
      databaseWidgets.push(
        new cloudwatch.GraphWidget({ title: 'RDS CPU %', left: [cpu] }),
        new cloudwatch.GraphWidget({ title: 'RDS free storage (bytes)', left: [storage] }),
        new cloudwatch.GraphWidget({ title: 'RDS connections', left: [connections] }),
      );
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(6),
      widgets: [
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 })],
        [
          new cloudwatch.GraphWidget({ title: 'API requests', left: [requests] }),
          new cloudwatch.GraphWidget({ title: 'API 5xx %', left: [errors5xx] }),
          new cloudwatch.GraphWidget({ title: 'API p99 response time (s)', left: [p99] }),
          new cloudwatch.GraphWidget({
            title: 'API tasks: healthy, unhealthy',
            left: [tg.healthyHostCount({ period: Duration.minutes(1) }), unhealthy],
          }),
        ],
        [new cloudwatch.GraphWidget({ title: 'Dead-letter queue depth', left: [deadLetters] }), ...functionWidgets],
        databaseWidgets,
      ],
    });
  }
}
