import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

/**
 * The part of kustomize the manifests under docker/k8s use, so the tests read the objects a
 * cluster would receive from `kubectl apply -k` without kubectl in CI: resources (files and
 * directories), `patches` (inline JSON 6902), `namespace`, `labels`, `images` and
 * `replacements`, applied in kustomize's order. A field it does not know is an error, never
 * ignored; k8s.int-spec.ts compares its output with `kubectl kustomize` where kubectl exists.
 */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

export interface ImageEntry {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

interface Target {
  kind?: string;
  name?: string;
}

interface FieldOptions {
  delimiter?: string;
  index?: number;
}

interface Replacement {
  source: Target & { fieldPath: string; options?: FieldOptions };
  targets: { select: Target; fieldPaths: string[]; options?: FieldOptions }[];
}

export interface Kustomization {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  labels?: { pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }[];
  resources?: string[];
  patches?: { target: Target; patch: string }[];
  images?: ImageEntry[];
  replacements?: Replacement[];
}

const KNOWN_FIELDS = new Set([
  'apiVersion',
  'kind',
  'namespace',
  'labels',
  'resources',
  'patches',
  'images',
  'replacements',
]);

/** Kinds without a namespace among those these manifests could hold. */
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition']);

export function readKustomization(dir: string): Kustomization {
  return parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization;
}

function readObjects(path: string): K8sObject[] {
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0]!.message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null);
}

/**
 * The objects `kustomize build dir` prints. `override` replaces the directory's own
 * kustomization fields, as `kustomize edit set image` would before a release.
 */
export function kustomize(dir: string, override: Partial<Kustomization> = {}): K8sObject[] {
  const kustomization = { ...readKustomization(dir), ...override };
  const unknown = Object.keys(kustomization).filter((key) => !KNOWN_FIELDS.has(key));
  if (unknown.length > 0) throw new Error(`${dir}: kustomization fields this renderer lacks: ${unknown.join(', ')}`);
  let objects = (kustomization.resources ?? []).flatMap((resource) => {
    const path = resolve(dir, resource);
    return statSync(path).isDirectory() ? kustomize(path) : readObjects(path);
  });
  objects = structuredClone(objects);
  for (const { target, patch } of kustomization.patches ?? [])
    for (const object of objects.filter((o) => matches(o, target)))
      for (const operation of parse(patch) as JsonPatchOperation[]) applyJsonPatch(object, operation);
  if (kustomization.namespace !== undefined) setNamespace(objects, kustomization.namespace);
  for (const { pairs, includeSelectors, includeTemplates } of kustomization.labels ?? []) {
    if (includeSelectors || includeTemplates) throw new Error(`${dir}: labels into selectors or templates`);
    for (const object of objects) object.metadata.labels = { ...object.metadata.labels, ...pairs };
  }
  for (const image of kustomization.images ?? []) setImage(objects, image);
  for (const replacement of kustomization.replacements ?? []) replace(objects, replacement);
  return objects;
}

function matches(object: K8sObject, target: Target): boolean {
  return (
    (target.kind === undefined || object.kind === target.kind) &&
    (target.name === undefined || object.metadata.name === target.name)
  );
}

function setNamespace(objects: K8sObject[], namespace: string): void {
  for (const object of objects) {
    // kustomize renames a Namespace object to the kustomization's namespace.
    if (object.kind === 'Namespace') object.metadata.name = namespace;
    else if (!CLUSTER_SCOPED.has(object.kind)) object.metadata.namespace = namespace;
  }
}

/** An image reference split as kustomize reads it: name, then `:tag` and/or `@digest`. */
export function splitImage(image: string): { name: string; tag?: string; digest?: string } {
  const [nameAndTag, digest] = image.split('@') as [string, string | undefined];
  const colon = nameAndTag.lastIndexOf(':');
  const hasTag = colon > nameAndTag.lastIndexOf('/');
  return {
    name: hasTag ? nameAndTag.slice(0, colon) : nameAndTag,
    ...(hasTag ? { tag: nameAndTag.slice(colon + 1) } : {}),
    ...(digest ? { digest } : {}),
  };
}

/** Every container list of a Pod, a pod template or a CronJob's job template in an object. */
export function podSpecs(object: K8sObject): Record<string, unknown>[] {
  type Template = { spec?: Record<string, unknown> };
  const spec = object.spec as
    (Record<string, unknown> & { template?: Template; jobTemplate?: { spec?: { template?: Template } } }) | undefined;
  if (!spec) return [];
  if (object.kind === 'Pod') return [spec];
  const podSpec = spec.template?.spec ?? spec.jobTemplate?.spec?.template?.spec;
  return podSpec ? [podSpec] : [];
}

export function containersIn(podSpec: Record<string, unknown>): Record<string, unknown>[] {
  return ['initContainers', 'containers', 'ephemeralContainers'].flatMap(
    (field) => (podSpec[field] as Record<string, unknown>[] | undefined) ?? [],
  );
}

function setImage(objects: K8sObject[], entry: ImageEntry): void {
  for (const container of objects.flatMap(podSpecs).flatMap(containersIn)) {
    const current = splitImage(container.image as string);
    if (current.name !== entry.name) continue;
    const name = entry.newName ?? current.name;
    if (entry.digest) container.image = `${name}@${entry.digest}`;
    else {
      const tag = entry.newTag ?? current.tag;
      container.image = `${name}${tag ? `:${tag}` : ''}${current.digest ? `@${current.digest}` : ''}`;
    }
  }
}

/** A kustomize field path (`spec.template.spec.containers.[name=migrate].image`) as steps. */
function steps(fieldPath: string): string[] {
  return fieldPath.split('.');
}

function step(node: unknown, part: string): unknown {
  const selector = /^\[(.+)=(.*)\]$/.exec(part);
  if (selector) return (node as Record<string, unknown>[]).find((item) => String(item[selector[1]!]) === selector[2]);
  return (node as Record<string, unknown> | undefined)?.[part];
}

function getField(object: K8sObject, fieldPath: string): unknown {
  return steps(fieldPath).reduce<unknown>((node, part) => (node === undefined ? undefined : step(node, part)), object);
}

function setField(object: K8sObject, fieldPath: string, value: string): void {
  const parts = steps(fieldPath);
  const parent = parts.slice(0, -1).reduce<unknown>((node, part) => step(node, part), object) as Record<
    string,
    unknown
  >;
  parent[parts.at(-1)!] = value;
}

function replace(objects: K8sObject[], { source, targets }: Replacement): void {
  const from = objects.filter((o) => matches(o, source));
  if (from.length !== 1) throw new Error(`replacement source ${JSON.stringify(source)}: ${from.length} objects`);
  let value = String(getField(from[0]!, source.fieldPath));
  if (source.options?.delimiter !== undefined) {
    const parts = value.split(source.options.delimiter);
    const index = source.options.index ?? 0;
    if (index < 0 || index >= parts.length) throw new Error(`index ${index} out of bounds in ${value}`);
    value = parts[index]!;
  }
  for (const { select, fieldPaths, options } of targets) {
    for (const object of objects.filter((o) => matches(o, select))) {
      for (const fieldPath of fieldPaths) {
        let next = value;
        if (options?.delimiter !== undefined) {
          // kustomize's rule: an index past the end appends, a negative one prepends.
          const parts = String(getField(object, fieldPath)).split(options.delimiter);
          const index = options.index ?? 0;
          if (index < 0) parts.unshift(value);
          else if (index >= parts.length) parts.push(value);
          else parts[index] = value;
          next = parts.join(options.delimiter);
        }
        setField(object, fieldPath, next);
      }
    }
  }
}

interface JsonPatchOperation {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: unknown;
}

function applyJsonPatch(object: K8sObject, { op, path, value }: JsonPatchOperation): void {
  const keys = path
    .split('/')
    .slice(1)
    .map((key) => key.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = keys.pop()!;
  const parent = keys.reduce<Record<string, unknown>>(
    (node, key) => {
      const next = node[key];
      if (!next || typeof next !== 'object') throw new Error(`${object.kind} ${object.metadata.name}: no ${path}`);
      return next as Record<string, unknown>;
    },
    object as unknown as Record<string, unknown>,
  );
  if (op === 'remove') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else if (Array.isArray(parent) && op === 'add') {
    parent.splice(last === '-' ? parent.length : Number(last), 0, value);
  } else parent[last] = value;
}
