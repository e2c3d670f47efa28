import request from 'supertest';

/** The deployment under test: a base URL, whatever topology is behind it. */
export const target = {
  baseUrl: required('E2E_BASE_URL'),
  topology: process.env.E2E_TOPOLOGY ?? 'unknown',
  adminToken: process.env.E2E_ADMIN_TOKEN ?? '',
};

export function api(): ReturnType<typeof request> {
  return request(target.baseUrl);
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the e2e suite with npm run test:e2e`);
  return value;
}
