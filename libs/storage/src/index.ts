export * from './content-disposition';
export * from './local/local-object-storage';
export * from './object-keys';
export * from './object-storage';
export * from './s3/s3-object-storage';
export * from './targets';
export * from './storage.module';
