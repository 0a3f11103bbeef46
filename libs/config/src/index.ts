export * from './config';
export * from './workers-config';
export * from './config.module';
export * from './test-environment';
export * from './aws-secrets';
export * from './logging';
