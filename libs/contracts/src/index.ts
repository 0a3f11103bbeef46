export * from './app-error';
export * from './error-codes';
export * from './problem';
export * from './s3-event';
export * from './media';
export * from './unavailable';
