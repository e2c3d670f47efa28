import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { DataSource, IsNull, Raw, type EntityManager, type Repository } from 'typeorm';
import { LocalJwks, SIGNING_ALGORITHM, type JwksProvider } from '#libs/auth';
import { ProcessState, SETTINGS } from '#libs/config';
import type { IdentitySettings } from '../identity.settings';
import type { SigningKey, SigningKeyStore } from '../application/ports/signing-key-store';
import { IdentityError } from '../domain/identity-errors';
import { SigningKeyRecord } from './signing-key.record';

const RELOAD_MS = 60_000;

/**
 * Configured (AUTH_PRIVATE_KEY) or, by default, generated and kept in identity's schema, so
 * every replica signs with the same key without set-up. Retired public keys stay published
 * until the tokens they signed have expired, those of replicas that signed with them a while
 * after the rotation included. Also the in-process JWKS for libs/auth.
 */
@Injectable()
export class PostgresSigningKeyStore
  implements SigningKeyStore, JwksProvider, OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger('SigningKeys');
  private active: SigningKey | undefined;
  private published: JWK[] = [];
  private timer: NodeJS.Timeout | undefined;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly localJwks: LocalJwks,
    private readonly state: ProcessState,
    @Inject(SETTINGS) private readonly settings: IdentitySettings,
  ) {}

  onModuleInit(): void {
    this.localJwks.register(this);
  }

  onApplicationBootstrap(): void {
    this.state.onStarted(() => {
      void this.refresh().catch((error: unknown) => this.logger.error(`loading signing keys failed: ${String(error)}`));
      this.timer = setInterval(() => void this.refresh().catch(() => undefined), RELOAD_MS);
      this.timer.unref();
    });
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  publicKeys(): readonly JWK[] {
    return this.published;
  }

  async signingKey(): Promise<SigningKey> {
    if (!this.active) await this.refresh();
    if (!this.active) throw new Error('no signing key is available yet');
    return this.active;
  }

  refresh(): Promise<void> {
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  /** Whether the key comes from AUTH_PRIVATE_KEY (then only a new setting replaces it). */
  get managedBySetting(): boolean {
    return Boolean(this.settings.authPrivateKey);
  }

  async rotate(manager: EntityManager): Promise<string> {
    if (this.managedBySetting) {
      throw new IdentityError(
        'signing-key-managed-by-setting',
        'the signing key comes from the AUTH_PRIVATE_KEY setting: rotate it by deploying a new AUTH_PRIVATE_KEY',
      );
    }
    await lockKeys(manager);
    return this.replaceKey(manager.getRepository(SigningKeyRecord));
  }

  private async load(): Promise<void> {
    if (this.settings.authPrivateKey) {
      const privateKey = createPrivateKey(this.settings.authPrivateKey.replace(/\\n/g, '\n'));
      const jwk = await publicJwk(createPublicKey(privateKey));
      this.active = { kid: jwk.kid as string, privateKey };
      this.published = [jwk];
      return;
    }
    const current = await this.locked(async (keys) => {
      const newest = await keys.findOne({ where: { retiredAt: IsNull() }, order: { createdAt: 'DESC' } });
      const maxAgeMs = this.settings.authKeyRotationDays * 86_400_000;
      if (newest && Date.now() - newest.createdAt.getTime() < maxAgeMs) return newest;
      return keys.findOneByOrFail({ kid: await this.replaceKey(keys) });
    });
    // A replica that has not reloaded since the rotation still signs with the retired key for up to
    // RELOAD_MS: its last tokens must verify until they expire too.
    const grace = this.settings.accessTokenTtlSeconds + this.settings.authClockSkewSeconds + RELOAD_MS / 1000;
    const visible = await this.dataSource.getRepository(SigningKeyRecord).find({
      select: { publicJwk: true },
      where: [
        { retiredAt: IsNull() },
        { retiredAt: Raw((at) => `${at} > now() - make_interval(secs => :grace)`, { grace }) },
      ],
      order: { createdAt: 'DESC' },
    });
    this.active = { kid: current.kid, privateKey: createPrivateKey(current.privateKeyPem) };
    this.published = visible.map((key) => key.publicJwk as JWK);
  }

  /** Under a lock, so replicas starting together agree on one key instead of each generating their own. */
  private locked<T>(work: (keys: Repository<SigningKeyRecord>) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      await lockKeys(manager);
      return work(manager.getRepository(SigningKeyRecord));
    });
  }

  /** Retires the current key and inserts a new one; returns its kid. */
  private async replaceKey(keys: Repository<SigningKeyRecord>): Promise<string> {
    await keys.update({ retiredAt: IsNull() }, { retiredAt: () => 'now()' });
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const jwk = await publicJwk(publicKey);
    await keys.insert({
      kid: jwk.kid,
      privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      publicJwk: jwk,
      createdAt: new Date(),
      retiredAt: null,
    });
    return jwk.kid as string;
  }
}

/** Until the transaction ends: one process at a time reads, generates or retires keys. */
async function lockKeys(manager: EntityManager): Promise<void> {
  await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended('tessera:identity:signing-keys', 0))`);
}

async function publicJwk(publicKey: KeyObject): Promise<JWK> {
  const jwk = publicKey.export({ format: 'jwk' }) as JWK;
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: SIGNING_ALGORITHM, use: 'sig' };
}
