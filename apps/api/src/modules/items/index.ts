export * from './item.dto';
export * from './item.presenter';
export * from './file-names';
export * from './page-query.dto';
export * from './page-cursor';
export * from './upload.dto';
export * from './storage-figures.dto';
export * from './pinned-download';
