import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CloudDriveStack } from '../lib/clouddrive-stack';
import { readSettings } from '../lib/settings';

export const CERTIFICATE = 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';
export const IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/clouddrive:v1.2.3';

export const BASE_CONTEXT: Record<string, unknown> = {
  certificateArn: CERTIFICATE,
  domainName: 'api.drive.example.com',
  corsOrigins: 'https://drive.example.com,https://admin.example.com',
  imageUri: IMAGE,
  // The tests have no Lambda build: the functions are placeholders (refused without this flag).
  placeholderFunctions: true,
};

/**
 * The stack synthesised with the base context and `context` over it, and its template; `prepare` sees the stack
 * before synthesis (to add aspects such as cdk-nag's checks).
 */
export function synth(
  context: Record<string, unknown> = {},
  prepare?: (stack: CloudDriveStack) => void,
): { stack: CloudDriveStack; template: Template } {
  const all = { ...BASE_CONTEXT, ...context };
  for (const [key, value] of Object.entries(all)) if (value === undefined) delete all[key];
  const app = new App({ context: all, outdir: mkdtempSync(join(tmpdir(), 'clouddrive-cdk-')) });
  const stack = new CloudDriveStack(app, 'CloudDrive', {
    settings: readSettings((key) => app.node.tryGetContext(key)),
  });
  prepare?.(stack);
  return { stack, template: Template.fromStack(stack) };
}

const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::AccountId': '123456789012',
  'AWS::Region': 'eu-west-1',
  'AWS::URLSuffix': 'amazonaws.com',
};

/**
 * A CloudFormation value as a readable string: pseudo parameters filled in, `Fn::Join` joined, a reference to a
 * resource as `<LogicalId>` and an attribute as `<LogicalId.Attribute>`, so policies can be compared as text.
 */
export function render(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (Array.isArray(value)) return value.map(render).join(',');
  const object = value as Record<string, unknown>;
  if ('Ref' in object) return PSEUDO[object.Ref as string] ?? `<${object.Ref}>`;
  if ('Fn::GetAtt' in object) return `<${(object['Fn::GetAtt'] as string[]).join('.')}>`;
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map(render).join(separator);
  }
  if ('Fn::Sub' in object) {
    return (object['Fn::Sub'] as string).replace(/\$\{([\w:]+)\}/g, (_, name: string) => PSEUDO[name] ?? `<${name}>`);
  }
  return JSON.stringify(value);
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Sid?: string;
  Condition?: Record<string, Record<string, unknown>>;
}

/** Every statement of the IAM policies attached to the role `roleLogicalId`, as [actions, resources] text. */
export function roleStatements(
  template: Template,
  roleLogicalId: string,
): Array<{ actions: string[]; resources: string[]; conditions?: Statement['Condition'] }> {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Array<{
    Properties: { Roles: Array<{ Ref: string }>; PolicyDocument: { Statement: Statement[] } };
  }>;
  return policies
    .filter((policy) => policy.Properties.Roles.some((role) => role.Ref === roleLogicalId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
    .map((statement) => ({
      actions: ([] as string[]).concat(statement.Action).sort(),
      resources: ([] as unknown[]).concat(statement.Resource).map(render).sort(),
      ...(statement.Condition ? { conditions: statement.Condition } : {}),
    }));
}

/** The logical id of the only resource of `type` whose properties match, failing when there is not exactly one. */
export function logicalId(template: Template, type: string, props: Record<string, unknown> = {}): string {
  const ids = Object.keys(template.findResources(type, props === undefined ? undefined : { Properties: props }));
  if (ids.length !== 1) throw new Error(`expected one ${type} matching, found ${ids.length}`);
  return ids[0];
}
