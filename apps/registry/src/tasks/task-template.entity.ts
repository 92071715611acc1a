import { Column, Entity } from 'typeorm';
import { SharedOwnedEntity } from '../database/owned.entity';

@Entity({ name: 'task_templates' })
export class TaskTemplateEntity extends SharedOwnedEntity {
  @Column({ name: 'public_id', type: 'char', length: 64, unique: true })
  publicId!: string;

  @Column({ name: 'clearml_task_id', type: 'varchar', length: 64 })
  clearmlTaskId!: string;

  @Column({ name: 'default_queue', type: 'varchar', length: 200 })
  defaultQueue!: string;

  /** Queues a caller may choose besides the default. */
  @Column({ name: 'allowed_queues', type: 'jsonb' })
  allowedQueues!: string[];

  @Column({ type: 'varchar', length: 200, nullable: true })
  name!: string | null;

  @Column({ name: 'params_schema', type: 'jsonb', nullable: true })
  paramsSchema!: Record<string, unknown> | null;

  @Column({ name: 'params_section', type: 'varchar', length: 100 })
  paramsSection!: string;
}
