import { ApiProperty } from '@nestjs/swagger';

export class ServiceStatusDto {
  /** `CloudDrive`. */
  name: string;
  /** Always `running`. */
  status: 'running';
  /** The running version. */
  version: string;
}

export class LivenessDto {
  /** Always `healthy`: the process answers. */
  status: 'healthy';
}

export class ReadinessDto {
  /** `ready` when every dependency answers, else `unavailable` (with status 503). */
  status: 'ready' | 'unavailable';
  /** Each dependency and whether it answered. */
  @ApiProperty({
    example: { database: 'up', storage: 'up' },
    additionalProperties: { type: 'string', enum: ['up', 'down'] },
  })
  checks: Record<string, 'up' | 'down'>;
}
