export * from './data-source.options';
export * from './database.server';
export * from './db.module';
export * from './embedded/embedded-postgres';
export * from './entities';
export * from './repositories/users.repository';
export * from './schema-diff';
export * from './repositories/items.repository';
