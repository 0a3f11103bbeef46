export * from './item.dto';
export * from './item.presenter';
export * from './file-names';
