import { UserRegistered, UserRoleChanged } from '#libs/contracts';
import { defineModule } from '#libs/modularity';
import { identitySettings } from './identity.settings';
import { ChangeAdminRoleHandler } from './application/commands/change-admin-role.handler';
import { LogInHandler } from './application/commands/log-in.handler';
import { LogOutHandler } from './application/commands/log-out.handler';
import { RefreshSessionHandler } from './application/commands/refresh-session.handler';
import { RegisterUserHandler } from './application/commands/register-user.handler';
import { RotateSigningKeyHandler } from './application/commands/rotate-signing-key.handler';
import { GetUserHandler } from './application/queries/get-user.handler';
import { ListUsersHandler } from './application/queries/list-users.handler';
import { LoginFailureStore } from './application/ports/login-failure-store';
import { PasswordHasher } from './application/ports/password-hasher';
import { RefreshTokenStore } from './application/ports/refresh-token-store';
import { SigningKeyStore } from './application/ports/signing-key-store';
import { UserStore } from './application/ports/user-store';
import { SessionIssuer } from './application/session-issuer';
import { Argon2PasswordHasher } from './infrastructure/argon2-password-hasher';
import { LoginFailureRecord } from './infrastructure/login-failure.record';
import { CreateIdentityTables1764300000000 } from './infrastructure/migrations/create-identity-tables';
import { PostgresLoginFailureStore } from './infrastructure/postgres-login-failure-store';
import { PostgresRefreshTokenStore } from './infrastructure/postgres-refresh-token-store';
import { PostgresSigningKeyStore } from './infrastructure/postgres-signing-key-store';
import { PostgresUserStore } from './infrastructure/postgres-user-store';
import { RefreshTokenRecord } from './infrastructure/refresh-token.record';
import { SigningKeyRecord } from './infrastructure/signing-key.record';
import { UserRecord } from './infrastructure/user.record';
import { AdminUsersController } from './interface/http/admin-users.controller';
import { AuthController } from './interface/http/auth.controller';
import { MeController } from './interface/http/me.controller';
import { SigningKeysController } from './interface/http/signing-keys.controller';

/** Accounts, credentials, sessions and the keys that sign access tokens. See README.md. */
export const identityModule = defineModule({
  name: 'identity',
  schema: 'identity',
  settings: identitySettings,
  entities: [UserRecord, RefreshTokenRecord, SigningKeyRecord, LoginFailureRecord],
  migrations: [CreateIdentityTables1764300000000],
  providers: [
    { provide: UserStore, useClass: PostgresUserStore },
    { provide: RefreshTokenStore, useClass: PostgresRefreshTokenStore },
    { provide: LoginFailureStore, useClass: PostgresLoginFailureStore },
    { provide: SigningKeyStore, useClass: PostgresSigningKeyStore },
    { provide: PasswordHasher, useClass: Argon2PasswordHasher },
    SessionIssuer,
    RegisterUserHandler,
    LogInHandler,
    RefreshSessionHandler,
    LogOutHandler,
    ChangeAdminRoleHandler,
    RotateSigningKeyHandler,
    GetUserHandler,
    ListUsersHandler,
  ],
  controllers: [AuthController, MeController, AdminUsersController, SigningKeysController],
  routes: ['/v1/auth', '/v1/me', '/v1/admin/users', '/v1/admin/signing-keys', '/.well-known'],
  publishes: [UserRegistered, UserRoleChanged],
});
