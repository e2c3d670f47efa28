export * from './auth-user';
export * from './decorators';
export * from './local-jwks';
export * from './token-claims';
export * from './access-token-verifier';
export * from './auth.module';
