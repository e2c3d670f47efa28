import { ConfigError } from './config-error';

/** Turns one raw env value into a typed value, or says what the setting accepts. */
export interface SettingParser<T> {
  readonly accepts: string;
  parse(raw: string): T | undefined;
}

export function integer(min: number, max: number): SettingParser<number> {
  return {
    accepts: `an integer from ${min} to ${max}`,
    parse: (raw) => {
      if (!/^-?\d+$/.test(raw.trim())) return undefined;
      const value = Number(raw);
      return value >= min && value <= max ? value : undefined;
    },
  };
}

export const boolean: SettingParser<boolean> = {
  accepts: 'true or false',
  parse: (raw) => {
    const value = raw.trim().toLowerCase();
    if (['true', '1', 'yes'].includes(value)) return true;
    if (['false', '0', 'no'].includes(value)) return false;
    return undefined;
  },
};

export function oneOf<T extends string>(values: readonly T[]): SettingParser<T> {
  return {
    accepts: `one of ${values.join(', ')}`,
    parse: (raw) => ((values as readonly string[]).includes(raw.trim()) ? (raw.trim() as T) : undefined),
  };
}

export function url(protocols: readonly string[]): SettingParser<string> {
  return {
    accepts: `a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
    parse: (raw) => {
      try {
        const parsed = new URL(raw.trim());
        return protocols.includes(parsed.protocol) ? raw.trim() : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

export function list<T>(item: SettingParser<T>): SettingParser<T[]> {
  return {
    accepts: `a comma-separated list, each ${item.accepts}`,
    parse: (raw) => {
      const parts = raw
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean);
      const values = parts.map((p) => item.parse(p));
      return values.every((v) => v !== undefined) ? (values as T[]) : undefined;
    },
  };
}

export const text: SettingParser<string> = { accepts: 'any text', parse: (raw) => raw };

export const identifier: SettingParser<string> = {
  accepts: 'letters, digits, "-", "_" or ":" (1 to 64 characters)',
  parse: (raw) => (/^[A-Za-z0-9_:-]{1,64}$/.test(raw.trim()) ? raw.trim() : undefined),
};

export function readSetting<T>(env: NodeJS.ProcessEnv, name: string, parser: SettingParser<T>): T | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = parser.parse(raw);
  if (value === undefined) {
    throw new ConfigError(`${name} must be ${parser.accepts} (got "${raw}")`);
  }
  return value;
}

export const email: SettingParser<string> = {
  accepts: 'an email address',
  parse: (raw) => (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(raw.trim()) ? raw.trim().toLowerCase() : undefined),
};

export interface RateLimit {
  readonly limit: number;
  readonly windowSeconds: number;
}

export const rate: SettingParser<RateLimit> = {
  accepts: 'LIMIT/WINDOW such as 100/60s or 1000/1h',
  parse: (raw) => {
    const match = /^(\d{1,7})\/(\d{1,6})(s|m|h)$/.exec(raw.trim());
    if (!match) return undefined;
    const limit = Number(match[1]);
    const windowSeconds = Number(match[2]) * { s: 1, m: 60, h: 3600 }[match[3] as 's' | 'm' | 'h'];
    return limit > 0 && windowSeconds > 0 ? { limit, windowSeconds } : undefined;
  },
};

/** `host:port` as a URL spells it: a DNS name, an IPv4 address or a bracketed IPv6 address, then a port. */
export const hostPort: SettingParser<string> = {
  accepts: 'host:port (IPv6 in brackets, e.g. [::1]:8080)',
  parse: (raw) => {
    const value = raw.trim().toLowerCase();
    const match = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+):(\d{1,5})$/.exec(value);
    return match && Number(match[2]) >= 1 && Number(match[2]) <= 65535 ? value : undefined;
  },
};
