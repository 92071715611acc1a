import { Column, CreateDateColumn, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { SharedWith } from '@cleargate/contracts';

/**
 * The columns of every row a user registers and owns (machines, endpoints, task templates). Each
 * table declares these columns in its own migration; the entities inherit their mapping from here.
 */
export abstract class OwnedEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @Column({ type: 'varchar', length: 255 })
  owner!: string;

  /** The owner's subject (token `sub`); null until a row stored before subjects were kept is claimed. */
  @Column({ name: 'owner_subject', type: 'varchar', length: 255, nullable: true })
  ownerSubject!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

/** An owned row its owner may make public, keep private or share (endpoints, task templates). */
export abstract class SharedOwnedEntity extends OwnedEntity {
  @Column({ type: 'varchar', length: 16 })
  visibility!: 'public' | 'private' | 'shared';

  @Column({ name: 'shared_with', type: 'jsonb' })
  sharedWith!: SharedWith;
}
