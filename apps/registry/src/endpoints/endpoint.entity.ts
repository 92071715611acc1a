import { Column, Entity, JoinColumn, ManyToOne, Unique } from 'typeorm';
import { SharedOwnedEntity } from '../database/owned.entity';
import { MachineEntity } from '../machines/machine.entity';

@Entity({ name: 'endpoints' })
@Unique('uq_endpoints_machine_name', ['machineId', 'name'])
export class EndpointEntity extends SharedOwnedEntity {
  @Column({ name: 'machine_id', type: 'uuid' })
  machineId!: string;

  @ManyToOne(() => MachineEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'machine_id' })
  machine?: MachineEntity;

  @Column({ type: 'varchar', length: 128 })
  name!: string;

  @Column({ type: 'varchar', length: 500, nullable: true })
  path!: string | null;

  @Column({ name: 'timeout_ms', type: 'integer' })
  timeoutMs!: number;

  @Column({ name: 'count_predictions', type: 'jsonb', nullable: true })
  countPredictions!: { json_path: string; max_values: number } | null;

  @Column({ name: 'max_in_flight', type: 'integer', nullable: true })
  maxInFlight!: number | null;
}
