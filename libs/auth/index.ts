export * from './auth-user';
export * from './decorators';
export * from './local-jwks';
export * from './access-token-verifier';
export * from './auth.module';
