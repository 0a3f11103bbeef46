import { Controller, Get, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckResult, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { APP_CONFIG, AppConfig } from '@app/config';
import { Public } from '../../common/auth/public.decorator';
import { LivenessDto, ReadinessDto, ServiceStatusDto } from './dto/health.dto';

@ApiTags('health')
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
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

  /** Readiness: whether the database (and, later, storage) answer now. */
  @Get('health/ready')
  @ApiOkResponse({ type: ReadinessDto })
  @ApiResponse({ status: 503, description: 'A dependency does not answer.', type: ReadinessDto })
  async checkReadiness(@Res({ passthrough: true }) reply: FastifyReply): Promise<ReadinessDto> {
    const result = await this.health
      .check([() => this.database.pingCheck('database', { timeout: 2000 })])
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
}
