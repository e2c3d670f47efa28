import { randomUUID } from 'node:crypto';
import { recordFetchResponse } from './api-exchanges';

export const ADMIN_EMAIL = 'admin@tessera.test';
export const PASSWORD = 'correct horse battery staple';

export interface Session {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresIn: number;
}

async function post(baseUrl: string, path: string, body: unknown, clientIp?: string): Promise<Response> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(clientIp ? { 'x-forwarded-for': clientIp } : {}) },
    body: JSON.stringify(body),
  });
  await recordFetchResponse('POST', `${baseUrl}${path}`, response);
  return response;
}

/** Registers (if needed) and logs in; `clientIp` keeps the caller in its own rate-limit bucket. */
export async function sessionFor(baseUrl: string, email: string, clientIp = randomIp()): Promise<Session> {
  const registered = await post(baseUrl, '/v1/auth/register', { email, password: PASSWORD }, clientIp);
  if (registered.status !== 201 && registered.status !== 409)
    throw new Error(`register ${email}: ${registered.status} ${await registered.text()}`);
  const login = await post(baseUrl, '/v1/auth/login', { email, password: PASSWORD }, clientIp);
  if (login.status !== 200) throw new Error(`login ${email}: ${login.status} ${await login.text()}`);
  return (await login.json()) as Session;
}

/** A session of the account listed in ADMIN_EMAILS (the app under test must set it). */
export function adminSession(baseUrl: string): Promise<Session> {
  return sessionFor(baseUrl, ADMIN_EMAIL);
}

export function freshEmail(label = 'user'): string {
  return `${label}-${randomUUID().slice(0, 8)}@tessera.test`;
}

/** A unique address in the IPv6 documentation range: each caller gets its own rate-limit bucket. */
export function randomIp(): string {
  const part = () => Math.floor(Math.random() * 0xffff).toString(16);
  return `2001:db8::${part()}:${part()}:${part()}`;
}
