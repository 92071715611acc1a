import { Column, Entity, Index } from 'typeorm';
import type { OndemandRoute } from '@cleargate/contracts';
import { CallRecordEntity } from './call-record.entity';

@Entity({ name: 'ondemand_calls' })
@Index('ix_ondemand_calls_at', ['at'])
@Index('ix_ondemand_calls_caller_at', ['caller', 'at'])
@Index('ix_ondemand_calls_target_at', ['machineId', 'endpoint', 'at'])
export class OndemandCallEntity extends CallRecordEntity {
  @Column({ name: 'machine_id', type: 'varchar', length: 64 })
  machineId!: string;

  @Column({ name: 'machine_name', type: 'varchar', length: 100, nullable: true })
  machineName!: string | null;

  @Column({ type: 'varchar', length: 128 })
  endpoint!: string;

  @Column({ type: 'varchar', length: 8 })
  route!: OndemandRoute;

  @Column({ name: 'status_code', type: 'smallint' })
  statusCode!: number;

  @Column({ type: 'varchar', length: 20 })
  outcome!: string;

  @Column({ name: 'upstream_ms', type: 'double precision', nullable: true })
  upstreamMs!: number | null;

  @Column({ name: 'request_bytes', type: 'integer' })
  requestBytes!: number;

  @Column({ name: 'response_bytes', type: 'integer' })
  responseBytes!: number;

  @Column({ name: 'response_excerpt', type: 'text', nullable: true })
  responseExcerpt!: string | null;

  @Column({ name: 'prompt_tokens', type: 'integer', nullable: true })
  promptTokens!: number | null;

  @Column({ name: 'completion_tokens', type: 'integer', nullable: true })
  completionTokens!: number | null;
}
