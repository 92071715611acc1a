import { Column, PrimaryColumn } from 'typeorm';

/**
 * The columns both call logs share (enqueue_calls, ondemand_calls): who called when, under which
 * correlation id, how long it took and what went wrong. Each table declares them in its migration.
 */
export abstract class CallRecordEntity {
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

  @Column({ name: 'duration_ms', type: 'double precision' })
  durationMs!: number;

  @Column({ type: 'text', nullable: true })
  error!: string | null;
}
