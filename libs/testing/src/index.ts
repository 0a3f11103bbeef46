export * from './factories';
export * from './test-config';
export * from './test-database';
export * from './fixtures';
export * from './test-images';
export * from './free-port';
export * from './postgres-cluster';
export * from './test-repositories';
