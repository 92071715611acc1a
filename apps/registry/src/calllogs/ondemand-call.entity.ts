import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { OndemandRoute } from '@cleargate/contracts';

@Entity({ name: 'ondemand_calls' })
@Index('ix_ondemand_calls_at', ['at'])
@Index('ix_ondemand_calls_caller_at', ['caller', 'at'])
@Index('ix_ondemand_calls_target_at', ['machineId', 'endpoint', 'at'])
export class OndemandCallEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'timestamptz' })
  at!: Date;

  @Column({ name: 'correlation_id', type: 'varchar', length: 128 })
  correlationId!: string;

  @Column({ type: 'varchar', length: 255 })
  caller!: string;

  /** The caller's subject (token `sub`); null for records stored before subjects were kept. */
  @Column({ name: 'caller_subject', type: 'varchar', length: 255, nullable: true })
  callerSubject!: string | null;

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

  @Column({ name: 'duration_ms', type: 'double precision' })
  durationMs!: number;

  @Column({ name: 'upstream_ms', type: 'double precision', nullable: true })
  upstreamMs!: number | null;

  @Column({ name: 'request_bytes', type: 'integer' })
  requestBytes!: number;

  @Column({ name: 'response_bytes', type: 'integer' })
  responseBytes!: number;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ name: 'response_excerpt', type: 'text', nullable: true })
  responseExcerpt!: string | null;

  @Column({ name: 'prompt_tokens', type: 'integer', nullable: true })
  promptTokens!: number | null;

  @Column({ name: 'completion_tokens', type: 'integer', nullable: true })
  completionTokens!: number | null;
}
