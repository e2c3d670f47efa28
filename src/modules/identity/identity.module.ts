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
import { LoginFailureRecord } from './infrastructure/login-failure.record';
import { CreateIdentityTables1764300000000 } from './infrastructure/migrations/create-identity-tables';
import { PasswordHasher } from './infrastructure/password-hasher';
import { RefreshTokenRecord } from './infrastructure/refresh-token.record';
import { SessionIssuer } from './infrastructure/session-issuer';
import { SigningKeyRecord } from './infrastructure/signing-key.record';
import { SigningKeyStore } from './infrastructure/signing-key-store';
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
    PasswordHasher,
    SigningKeyStore,
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
