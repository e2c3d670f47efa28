import { z } from 'zod';
import { ConfigError } from './config-error';

/** Parses one env string; its description, what it accepts, goes in errors and in the docs. */
export type SettingSchema<T> = z.ZodType<T, string>;
export type Setting<T = unknown> = { env: string; schema: SettingSchema<T>; default: T | undefined; doc: string };
/** Settings by the key code reads them with: the core's (libs/config) or one module's. */
export type SettingsDeclaration = Readonly<Record<string, Setting>>;
export type SettingsOf<D extends SettingsDeclaration> = { readonly [K in keyof D]: z.output<D[K]['schema']> };

export function setting<T>(env: string, schema: SettingSchema<T>, none: undefined, doc: string): Setting<T | undefined>;
export function setting<T>(env: string, schema: SettingSchema<T>, fallback: T, doc: string): Setting<T>;
export function setting<T>(env: string, schema: SettingSchema<T>, fallback: T | undefined, doc: string): Setting<T> {
  return { env, schema, default: fallback, doc };
}

export const defineSettings = <D extends SettingsDeclaration>(declaration: D): D => Object.freeze(declaration);

export const acceptsOf = (schema: SettingSchema<unknown>): string => schema.description ?? 'a valid value';

/** The parsed value (undefined when unset or empty), or a ConfigError naming the variable. */
export function readSetting<T>(env: NodeJS.ProcessEnv, name: string, schema: SettingSchema<T>): T | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`${name} must be ${acceptsOf(schema)} (got "${raw}")`);
  return parsed.data;
}

const trimmed = z.string().trim();
const digits = trimmed.regex(/^-?\d+$/).transform(Number);
export const integer = (min: number, max: number): SettingSchema<number> =>
  digits.pipe(z.number().min(min).max(max)).describe(`an integer from ${min} to ${max}`);

const bool = z.stringbool({ truthy: ['true', '1', 'yes'], falsy: ['false', '0', 'no'] });
export const boolean: SettingSchema<boolean> = trimmed.pipe(bool).describe('true or false');

export const oneOf = <const T extends readonly string[]>(values: T): SettingSchema<T[number]> =>
  trimmed.pipe(z.enum(values)).describe(`one of ${values.join(', ')}`) as SettingSchema<T[number]>;

export const url = (protocols: readonly string[]): SettingSchema<string> =>
  trimmed
    .refine((raw) => URL.canParse(raw) && protocols.includes(new URL(raw).protocol))
    .describe(`a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);

const parts = z.string().transform((raw) => raw.split(',').flatMap((part) => part.trim() || []));
export const list = <T>(item: SettingSchema<T>): SettingSchema<T[]> =>
  parts.pipe(z.array(item)).describe(`a comma-separated list, each ${acceptsOf(item)}`);

export const text: SettingSchema<string> = z.string().describe('any text');
const IDENTIFIER = /^[A-Za-z0-9_:-]{1,64}$/;
export const identifier = trimmed.regex(IDENTIFIER).describe('letters, digits, "-", "_" or ":" (1 to 64 characters)');
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const email: SettingSchema<string> = trimmed.regex(EMAIL).toLowerCase().describe('an email address');

export type RateLimit = { readonly limit: number; readonly windowSeconds: number };
const RATE = /^(\d{1,7})\/(\d{1,6})([smh])$/;
const SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600 };
export const rate: SettingSchema<RateLimit> = trimmed
  .transform((raw) => RATE.exec(raw) ?? [])
  .transform(([, limit, count, unit]) => ({ limit: Number(limit), windowSeconds: Number(count) * SECONDS[unit] }))
  .refine((r) => r.limit > 0 && r.windowSeconds > 0)
  .describe('LIMIT/WINDOW such as 100/60s or 1000/1h');

const portOf = (hostAndPort: string): number => Number(hostAndPort.slice(hostAndPort.lastIndexOf(':') + 1));
/** `host:port` as a URL spells it: a DNS name, an IPv4 address or a bracketed IPv6 address, then a port. */
export const hostPort: SettingSchema<string> = trimmed
  .toLowerCase()
  .regex(/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+):\d{1,5}$/)
  .refine((value) => portOf(value) >= 1 && portOf(value) <= 65535)
  .describe('host:port (IPv6 in brackets, e.g. [::1]:8080)');
