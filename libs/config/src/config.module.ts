import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig, loadConfig } from './config';
import { WorkersConfig } from './workers-config';

/** The injection token of the validated AppConfig. */
export const APP_CONFIG = Symbol('APP_CONFIG');

@Global()
@Module({})
export class ConfigModule {
  /**
   * Provides the program's configuration: the one given (the workers', tests', scripts') or the API's read from
   * the environment.
   */
  static forRoot(config?: AppConfig | WorkersConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: APP_CONFIG, useFactory: () => config ?? loadConfig() }],
      exports: [APP_CONFIG],
    };
  }
}
