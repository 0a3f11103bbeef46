import { Controller, Get, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorResult,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { APP_CONFIG, AppConfig } from '@app/config';
import { ObjectStorage } from '@app/storage';
import { Public } from '../../common/auth/public.decorator';
import { LivenessDto, ReadinessDto, ServiceStatusDto } from './dto/health.dto';

@ApiTags('health')
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly storage: ObjectStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Names the service and its version. */
  @Get()
  getStatus(): ServiceStatusDto {
    return { name: this.config.app.name, status: 'running', version: this.config.app.version };
  }

  /** Liveness: answers as long as the process does, touching no dependency (the load balancer's check). */
  @Get('health')
  checkHealth(): LivenessDto {
    return { status: 'healthy' };
  }

  /** Readiness: whether the database and object storage answer now. */
  @Get('health/ready')
  @ApiOkResponse({ type: ReadinessDto })
  @ApiResponse({ status: 503, description: 'A dependency does not answer.', type: ReadinessDto })
  async checkReadiness(@Res({ passthrough: true }) reply: FastifyReply): Promise<ReadinessDto> {
    const result = await this.health
      .check([() => this.database.pingCheck('database', { timeout: 2000 }), () => this.checkStorage()])
      .catch((error: unknown) => {
        if (error instanceof ServiceUnavailableException) return error.getResponse() as HealthCheckResult;
        throw error;
      });
    const ready = result.status === 'ok';
    if (!ready) void reply.status(503);
    const checks = Object.fromEntries(
      Object.entries(result.details).map(([name, detail]) => [name, detail.status === 'up' ? 'up' : 'down'] as const),
    );
    return { status: ready ? 'ready' : 'unavailable', checks };
  }

  private async checkStorage(): Promise<HealthIndicatorResult<'storage'>> {
    const indicator = this.indicators.check('storage');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timed out after 2000 ms')), 2000);
    });
    try {
      await Promise.race([this.storage.check(), timeout]);
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: error instanceof Error ? error.message : String(error) });
    } finally {
      clearTimeout(timer);
    }
  }
}
