import request from 'supertest';
import { randomUUID } from 'node:crypto';
import { recordApiExchange } from '../support/api-exchanges';
import { claims, signEdDSA } from '../support/forge-token';
import { adminSession, type Session } from '../support/sessions';

/** The deployment under test: a base URL, whatever topology is behind it. */
export const target = {
  baseUrl: required('E2E_BASE_URL'),
  topology: process.env.E2E_TOPOLOGY ?? 'unknown',
  signingKeyPem: process.env.E2E_SIGNING_KEY ?? '',
  reservationTtlSeconds: Number(process.env.E2E_RESERVATION_TTL_SECONDS ?? 900),
  paymentWebhookSecret: process.env.E2E_PAYMENT_WEBHOOK_SECRET ?? '',
  controlUrl: process.env.E2E_CONTROL_URL ?? '',
  /** The port the deployment allows as a webhook target on 127.0.0.1 (the test's receiver listens there). */
  webhookPort: Number(required('E2E_WEBHOOK_PORT')),
  /** The port the deployment sends its emails to (the test's SMTP server listens there). */
  smtpPort: Number(required('E2E_SMTP_PORT')),
};

/**
 * SIGKILLs the processes running `module`'s workers and waits until they run again (through
 * the launcher's control endpoint: a black-box test cannot kill what it does not own).
 */
export async function crashWorkersOf(module: string): Promise<number> {
  const response = await fetch(`${target.controlUrl}/crash?module=${module}`, { method: 'POST' });
  if (!response.ok) throw new Error(`crash of ${module} failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { count: number }).count;
}

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options']);

/** A client of the deployment; every response it receives is checked against the API document (api-contract.setup.ts). */
export function api(): ReturnType<typeof request> {
  const agent = request(target.baseUrl);
  return new Proxy(agent, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof property !== 'string' || !METHODS.has(property) || typeof value !== 'function') return value;
      return (url: string) => recorded((value as (url: string) => request.Test).call(object, url), property, url);
    },
  });
}

function recorded(test: request.Test, method: string, url: string): request.Test {
  return test.on('response', (response: request.Response) =>
    recordApiExchange({
      method: method.toUpperCase(),
      url,
      status: response.status,
      headers: response.headers as Record<string, string>,
      body: response.text,
    }),
  );
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

let signingKid: Promise<string> | undefined;

/**
 * A bearer token of a distinct customer, signed with the deployment's key (as identity would
 * sign it): the flash sale needs a thousand buyers, not a thousand argon2 registrations.
 */
export async function customerBearer(customerId: string = randomUUID()): Promise<string> {
  signingKid ??= api()
    .get('/.well-known/jwks.json')
    .then((response) => (response.body as { keys: { kid: string }[] }).keys[0]!.kid);
  const kid = await signingKid;
  return `Bearer ${signEdDSA(target.signingKeyPem, claims({ sub: customerId, exp: Math.floor(Date.now() / 1000) + 600 }), { kid })}`;
}
