import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Failed logins per email, known account or not, so a lock reveals nothing about existence. */
@Entity({ name: 'login_failures' })
export class LoginFailureRecord {
  @PrimaryColumn('text')
  email!: string;

  @Column('int')
  count!: number;

  @Column('timestamptz', { name: 'locked_until', nullable: true })
  lockedUntil!: Date | null;
}
