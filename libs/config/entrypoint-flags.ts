import { ConfigError } from './config-error';
import { isRole, Role, ROLES } from './roles';

/** Which modules and roles this process runs, decided by flags or env before anything loads. */
export interface ProcessSelection {
  readonly modules: readonly string[];
  readonly roles: readonly Role[];
}

export type EntrypointCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'modules' }
  | { readonly kind: 'events'; readonly action: 'dead-letters' }
  | { readonly kind: 'events'; readonly action: 'replay'; readonly ids: readonly string[] | 'all' }
  | { readonly kind: 'serve'; readonly selection: ProcessSelection }
  | { readonly kind: 'migrate'; readonly selection: ProcessSelection };

export function usage(knownModules: readonly string[]): string {
  return [
    'Usage: node dist/main.js [migrate] [--modules a,b] [--roles api,worker,relay]',
    '       node dist/main.js events dead-letters',
    '       node dist/main.js events replay (--all | ID...)',
    '       node dist/main.js modules',
    '       node dist/main.js --version',
    '',
    "  migrate            run the selected modules' migrations and exit",
    '  events             list or replay integration events that became dead letters',
    '  modules            print the modules as JSON: routes, schema, events published and consumed',
    `  --modules LIST     modules to run (default: all): ${knownModules.join(', ') || '(none registered)'}`,
    `  --roles LIST       roles to run (default: all): ${ROLES.join(', ')}`,
    '  --help             print this text',
    '  --version          print the version and the source commit (TESSERA_COMMIT)',
    '',
    'Environment: APP_MODULES and APP_ROLES are read when the flags are absent; a .env file in the',
    'working directory (or the file ENV_FILE names) is read first, variables already set winning.',
    'Every process serves /health/* and /metrics whatever its roles.',
  ].join('\n');
}

/**
 * Parses argv (without node and script) and env into a command. Unknown flags, modules or
 * roles are a ConfigError naming the valid values, so a typo never starts a process that
 * silently runs nothing.
 */
export function parseEntrypoint(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  knownModules: readonly string[],
): EntrypointCommand {
  if (argv[0] === 'events') return parseEventsCommand(argv.slice(1));
  if (argv[0] === 'modules' && argv.length === 1) return { kind: 'modules' };
  let modulesFlag: string | undefined;
  let rolesFlag: string | undefined;
  let migrate = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    if (arg === '--version') return { kind: 'version' };
    if (arg === 'migrate' && i === 0) {
      migrate = true;
      continue;
    }
    const [flag, inline] = arg.split('=', 2) as [string, string | undefined];
    if (flag === '--modules' || flag === '--roles') {
      const value = inline ?? argv[++i];
      if (value === undefined || value.startsWith('--')) {
        throw new ConfigError(`${flag} needs a comma-separated list`);
      }
      if (flag === '--modules') modulesFlag = value;
      else rolesFlag = value;
      continue;
    }
    throw new ConfigError(`unknown argument "${arg}"; run with --help for usage`);
  }
  const selection: ProcessSelection = {
    modules: parseModules(modulesFlag ?? env.APP_MODULES, knownModules, modulesFlag ? '--modules' : 'APP_MODULES'),
    roles: parseRoles(rolesFlag ?? env.APP_ROLES, rolesFlag ? '--roles' : 'APP_ROLES'),
  };
  return { kind: migrate ? 'migrate' : 'serve', selection };
}

function splitList(raw: string | undefined): string[] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  return [
    ...new Set(
      raw
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    ),
  ];
}

function parseModules(raw: string | undefined, known: readonly string[], source: string): string[] {
  const names = splitList(raw);
  if (!names) return [...known];
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new ConfigError(
      `${source}: unknown module ${unknown.map((n) => `"${n}"`).join(', ')}; valid modules: ${known.join(', ') || '(none registered)'}`,
    );
  }
  return names;
}

function parseRoles(raw: string | undefined, source: string): Role[] {
  const names = splitList(raw);
  if (!names) return [...ROLES];
  const unknown = names.filter((name) => !isRole(name));
  if (unknown.length > 0) {
    throw new ConfigError(
      `${source}: unknown role ${unknown.map((n) => `"${n}"`).join(', ')}; valid roles: ${ROLES.join(', ')}`,
    );
  }
  return names as Role[];
}

function parseEventsCommand(args: readonly string[]): EntrypointCommand {
  if (args.includes('--help') || args.includes('-h')) return { kind: 'help' };
  const [action, ...rest] = args;
  if (action === 'dead-letters' && rest.length === 0) return { kind: 'events', action };
  if (action === 'replay') {
    if (rest.length === 1 && rest[0] === '--all') return { kind: 'events', action, ids: 'all' };
    if (rest.length > 0 && rest.every((id) => !id.startsWith('--'))) return { kind: 'events', action, ids: rest };
    throw new ConfigError('events replay needs --all or one or more dead letter ids');
  }
  throw new ConfigError('usage: events dead-letters | events replay (--all | ID...)');
}
