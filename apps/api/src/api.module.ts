import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AppConfig, ConfigModule } from '@app/config';
import { DbModule } from '@app/db';
import { ProblemFilter } from './common/errors/problem.filter';
import { AppValidationPipe } from './common/validation/validation.pipe';
import { AuthModule } from './modules/auth/auth.module';
import { FoldersModule } from './modules/folders/folders.module';
import { HealthModule } from './modules/health/health.module';

@Module({})
export class ApiModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [ConfigModule.forRoot(config), DbModule, AuthModule, FoldersModule, HealthModule],
      providers: [
        { provide: APP_FILTER, useClass: ProblemFilter },
        { provide: APP_PIPE, useClass: AppValidationPipe },
      ],
    };
  }
}
