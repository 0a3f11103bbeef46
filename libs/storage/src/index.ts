export * from './object-keys';
export * from './object-storage';
