import request from 'supertest';
import { adminSession, type Session } from '../support/sessions';

/** The deployment under test: a base URL, whatever topology is behind it. */
export const target = {
  baseUrl: required('E2E_BASE_URL'),
  topology: process.env.E2E_TOPOLOGY ?? 'unknown',
  signingKeyPem: process.env.E2E_SIGNING_KEY ?? '',
};

export function api(): ReturnType<typeof request> {
  return request(target.baseUrl);
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the e2e suite with npm run test:e2e`);
  return value;
}

let admin: Promise<Session> | undefined;

/** The admin account's session (ADMIN_EMAILS of the deployment), created once per test file. */
export function adminToken(): Promise<string> {
  admin ??= adminSession(target.baseUrl);
  return admin.then((session) => session.accessToken);
}
