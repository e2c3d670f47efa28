import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseDocument } from 'yaml';
import { parseEntrypoint } from '../../libs/config/entrypoint-flags';
import { ROOT, runToExit } from '../support/app-process';

export const DOCKER = join(ROOT, 'docker');
export const COMPOSE_FILES = ['compose.yml', 'compose.split.yml'].map((name) => join(DOCKER, name));

export interface ComposeService {
  image?: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  restart?: string;
  volumes?: string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
}

/** A YAML file as Compose reads it (merge keys resolved). */
export function yamlOf(path: string): unknown {
  const doc = parseDocument(readFileSync(path, 'utf8'), { merge: true });
  if (doc.errors.length > 0) throw new Error(`${relative(ROOT, path)}: ${doc.errors[0]!.message}`);
  return doc.toJS() as unknown;
}

export function servicesOf(file: string): Record<string, ComposeService> {
  return (yamlOf(file) as { services: Record<string, ComposeService> }).services;
}

/** The services another one waits for to have *finished* (`service_completed_successfully`): one-shot jobs. */
export function oneShotServices(services: Record<string, ComposeService>): Set<string> {
  const names = new Set<string>();
  for (const service of Object.values(services)) {
    if (!service.depends_on || Array.isArray(service.depends_on)) continue;
    for (const [name, { condition }] of Object.entries(service.depends_on))
      if (condition === 'service_completed_successfully') names.add(name);
  }
  return names;
}

export function dependsOn(service: ComposeService): string[] {
  const deps = service.depends_on ?? [];
  return Array.isArray(deps) ? deps : Object.keys(deps);
}

/** The host a postgres:// URL names (Compose's `${VAR:-default}` substitutions left out). */
export function urlOf(url: string): URL {
  return new URL(url.replace(/\$\{[^}]*\}/g, 'x'));
}

/** The names `node dist/main.js modules` lists. */
export async function knownModules(): Promise<string[]> {
  const { stdout } = await runToExit({ entry: 'main', args: ['modules'] });
  return (JSON.parse(stdout) as { name: string }[]).map((m) => m.name);
}

/** The roles an app service runs, from its command and environment as the entrypoint reads them. */
export function rolesOf(service: ComposeService, modules: readonly string[]): readonly string[] {
  const command = parseEntrypoint(service.command ?? [], service.environment ?? {}, modules);
  return command.kind === 'serve' ? command.selection.roles : [];
}

/** Whether a command is on PATH (Debian's packages put promtool, amtool and nginx there). */
export function installed(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}
