import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A generated Ed25519 signing key. The newest unretired one signs; retired ones stay published a while. */
@Entity({ name: 'signing_keys' })
export class SigningKeyRecord {
  @PrimaryColumn('text')
  kid!: string;

  @Column('text', { name: 'private_key_pem' })
  privateKeyPem!: string;

  @Column('jsonb', { name: 'public_jwk' })
  publicJwk!: Record<string, unknown>;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'retired_at', nullable: true })
  retiredAt!: Date | null;
}
