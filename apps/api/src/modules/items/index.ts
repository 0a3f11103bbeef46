export * from './item.dto';
export * from './item.presenter';
