import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One refresh token, stored as the SHA-256 of its value: a database leak yields no usable token. */
@Entity({ name: 'refresh_tokens' })
export class RefreshTokenRecord {
  @PrimaryColumn('text', { name: 'token_hash' })
  tokenHash!: string;

  @Column('uuid', { name: 'family_id' })
  familyId!: string;

  @Column('uuid', { name: 'user_id' })
  userId!: string;

  @Column('text')
  status!: 'active' | 'rotated' | 'revoked';

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt!: Date;
}
