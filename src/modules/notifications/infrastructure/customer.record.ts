import { Column, Entity, PrimaryColumn } from 'typeorm';

/** identity's account, as copied by `identity.user-registered` (and its role changes). */
@Entity({ name: 'customers' })
export class CustomerRecord {
  @PrimaryColumn('uuid', { name: 'user_id' })
  userId!: string;

  @Column('text')
  email!: string;

  /** Admins' webhook endpoints receive every customer's events. */
  @Column('boolean', { name: 'is_admin' })
  isAdmin!: boolean;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
