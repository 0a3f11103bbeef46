#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { CloudDriveStack } from '../lib/clouddrive-stack';
import { SettingsError, readSettings } from '../lib/settings';

const app = new App();
const stackName = (app.node.tryGetContext('stackName') as string | undefined) ?? 'CloudDrive';
try {
  // Environment-agnostic: deployed to the account and region of the credentials in use, and synthesised with none.
  new CloudDriveStack(app, stackName, {
    settings: readSettings((key) => app.node.tryGetContext(key)),
    description: 'CloudDrive: the API on ECS Fargate behind an HTTPS load balancer, S3, the worker functions',
  });
} catch (error) {
  if (!(error instanceof SettingsError)) throw error;
  console.error(error.message);
  process.exit(1);
}
