import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { ROOT } from '../support/app-process';
import {
  containersIn,
  type ImageEntry,
  type K8sObject,
  type Kustomization,
  kustomize,
  podSpecs,
  readKustomization,
  splitImage,
} from './kustomize';
import { type PodSpec, restrictedViolations } from './pod-security';

/**
 * The Kubernetes manifests as a cluster receives them from `kubectl apply -k <overlay>`
 * (rendered by ./kustomize.ts): a namespace that enforces Pod Security "restricted" and pods
 * it admits, a versioned image, a PodMonitor that scrapes the app, a migration Job per
 * release, and HTTPS at the Ingress.
 */
const K8S = join(ROOT, 'docker', 'k8s');
const OVERLAYS = ['replicated', 'split'].map((name) => ({ name, dir: join(K8S, 'overlays', name) }));
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const HAS_KUBECTL = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;

type Workload = K8sObject & {
  spec: { template: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } } };
};

interface Container {
  name: string;
  image: string;
  ports?: { name?: string; containerPort: number }[];
  envFrom?: { secretRef?: { name: string } }[];
  securityContext?: { readOnlyRootFilesystem?: boolean };
}

const isAppImage = (image: string, entry: ImageEntry) =>
  splitImage(image).name === (entry.newName ?? entry.name) || splitImage(image).name === entry.name;
const workloads = (objects: K8sObject[]) => objects.filter((o) => podSpecs(o).length > 0) as Workload[];
const containers = (object: K8sObject) => podSpecs(object).flatMap(containersIn) as unknown as Container[];
const key = (o: K8sObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const sorted = (objects: K8sObject[]) => [...objects].sort((a, b) => key(a).localeCompare(key(b)));

function appImageEntry(dir: string): ImageEntry {
  const entries = readKustomization(dir).images ?? [];
  expect(entries.map((e) => e.name)).toEqual(['tessera']);
  return entries[0]!;
}

/** The pods of a Deployment or Job that run the app's image (not PgBouncer). */
function appWorkloads(objects: K8sObject[], entry: ImageEntry): Workload[] {
  return workloads(objects).filter((w) => containers(w).some((c) => isAppImage(c.image, entry)));
}

function jobOf(objects: K8sObject[]): K8sObject {
  const jobs = objects.filter((o) => o.kind === 'Job');
  expect(jobs).toHaveLength(1);
  return jobs[0]!;
}

/** `kubectl kustomize` of an overlay, after `override` replaces fields of its kustomization (in a copy). */
function kubectlKustomize(overlay: string, override: Partial<Kustomization> = {}): K8sObject[] {
  const copy = mkdtempSync(join(tmpdir(), 'tessera-kustomize-'));
  try {
    cpSync(K8S, copy, { recursive: true });
    const dir = join(copy, 'overlays', overlay);
    writeFileSync(join(dir, 'kustomization.yaml'), stringify({ ...readKustomization(dir), ...override }));
    const output = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
    return parseAllDocuments(output).map((doc) => doc.toJS() as K8sObject);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

describe('Kubernetes manifests a restricted cluster admits (docker/k8s)', () => {
  const rendered = OVERLAYS.map(({ name, dir }) => ({ name, dir, objects: kustomize(dir) }));
  const release = { newTag: '99.1.0' };

  (HAS_KUBECTL ? it : it.skip)('the test renderer gives what kubectl kustomize gives', () => {
    for (const { name, dir, objects } of rendered) {
      expect(sorted(kubectlKustomize(name))).toEqual(sorted(objects));
      const images = [{ ...appImageEntry(dir), ...release }];
      expect(sorted(kubectlKustomize(name, { images }))).toEqual(sorted(kustomize(dir, { images })));
    }
  });

  it('every pod template of both overlays passes the Pod Security "restricted" checks, as the image user', () => {
    // The runtime stage runs as `node`, uid and gid 1000 in the official Node images.
    expect(readFileSync(join(ROOT, 'docker', 'Dockerfile'), 'utf8')).toMatch(/^USER node$/m);
    for (const { name, dir, objects } of rendered) {
      const pods = workloads(objects);
      expect(pods.map((w) => w.kind).sort()).toEqual(expect.arrayContaining(['Deployment', 'Job']));
      const problems = pods.flatMap((workload) =>
        restrictedViolations(podSpecs(workload)[0] as unknown as PodSpec, workload.spec.template.metadata?.annotations)
          .concat(
            containers(workload)
              .filter((c) => c.securityContext?.readOnlyRootFilesystem !== true)
              .map((c) => `container ${c.name}: the root filesystem is writable`),
          )
          .map((problem) => `${name}: ${workload.kind} ${workload.metadata.name}: ${problem}`),
      );
      expect(problems).toEqual([]);
      for (const workload of appWorkloads(objects, appImageEntry(dir))) {
        const context = (podSpecs(workload)[0]!.securityContext ?? {}) as Record<string, unknown>;
        expect({
          workload: workload.metadata.name,
          runAsUser: context.runAsUser,
          runAsGroup: context.runAsGroup,
        }).toEqual({ workload: workload.metadata.name, runAsUser: 1000, runAsGroup: 1000 });
      }
    }
  });

  it('the restricted checks refuse what the profile refuses', () => {
    const admitted: PodSpec = {
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      volumes: [{ name: 'tmp', emptyDir: {} }],
      containers: [
        {
          name: 'app',
          securityContext: {
            allowPrivilegeEscalation: false,
            capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
          },
        },
      ],
    };
    expect(restrictedViolations(admitted)).toEqual([]);
    const refused = (change: (pod: PodSpec) => void) => {
      const pod = structuredClone(admitted);
      change(pod);
      return restrictedViolations(pod);
    };
    // What the manifests lacked before: a seccomp profile.
    expect(refused((pod) => delete pod.securityContext!.seccompProfile)).toHaveLength(1);
    expect(refused((pod) => delete pod.securityContext!.runAsNonRoot)).toHaveLength(1);
    expect(refused((pod) => delete pod.containers[0]!.securityContext!.allowPrivilegeEscalation)).toHaveLength(1);
    expect(refused((pod) => (pod.containers[0]!.securityContext!.capabilities = { drop: ['NET_RAW'] }))).toHaveLength(
      1,
    );
    expect(refused((pod) => pod.containers[0]!.securityContext!.capabilities!.add!.push('SYS_ADMIN'))).toHaveLength(1);
    expect(refused((pod) => (pod.containers[0]!.securityContext!.privileged = true))).toHaveLength(1);
    expect(refused((pod) => (pod.hostNetwork = true))).toHaveLength(1);
    expect(refused((pod) => (pod.hostPID = true))).toHaveLength(1);
    expect(refused((pod) => (pod.hostIPC = true))).toHaveLength(1);
    expect(refused((pod) => pod.volumes!.push({ name: 'host', hostPath: { path: '/' } }))).toHaveLength(1);
    expect(refused((pod) => (pod.containers[0]!.ports = [{ hostPort: 8080 }]))).toHaveLength(1);
    expect(refused((pod) => (pod.securityContext!.runAsUser = 0))).toHaveLength(1);
  });

  it('images come through the `images:` entry: the app at the package version, nothing at latest', () => {
    // In the files the app's image is the bare name the entry replaces, so no file pins a version of its own.
    const fileImages = files(K8S)
      .flatMap((path) => parseAllDocuments(readFileSync(path, 'utf8')).map((d) => d.toJS() as K8sObject | null))
      .flatMap((object) => (object && object.kind !== 'Kustomization' ? containers(object) : []))
      .map((c) => c.image);
    expect(fileImages.filter((image) => splitImage(image).name === 'tessera')).not.toEqual([]);
    expect(fileImages.filter((image) => splitImage(image).name === 'tessera' && image !== 'tessera')).toEqual([]);
    // The base sets no image: an overlay's `kustomize edit set image tessera=…` must reach the Job too.
    expect(readKustomization(join(K8S, 'base')).images).toBeUndefined();
    for (const { name, dir, objects } of rendered) {
      const entry = appImageEntry(dir);
      // A registry of one's own (a placeholder to replace), not Docker Hub's library/tessera.
      expect(entry.newName).toMatch(/^[a-z0-9.-]+\.[a-z]+\/.+\/tessera$/);
      expect(entry.newTag).toBe(VERSION);
      const apps = appWorkloads(objects, entry);
      expect(apps.length).toBeGreaterThan(1);
      for (const container of apps.flatMap(containers).filter((c) => isAppImage(c.image, entry)))
        expect({ overlay: name, image: container.image }).toEqual({
          overlay: name,
          image: `${entry.newName}:${VERSION}`,
        });
      for (const image of workloads(objects)
        .flatMap(containers)
        .map((c) => c.image)) {
        const { tag } = splitImage(image);
        expect({ image, versioned: Boolean(tag && /\d/.test(tag) && tag !== 'latest') }).toEqual({
          image,
          versioned: true,
        });
      }
    }
  });

  it('everything goes into one namespace, which enforces the restricted profile', () => {
    const kustomizations = files(K8S).filter((path) => path.endsWith('kustomization.yaml'));
    expect(kustomizations.length).toBe(3);
    const namespaces = kustomizations.map((path) => ({
      file: relative(ROOT, path),
      namespace: readKustomization(join(path, '..')).namespace,
    }));
    const namespace = namespaces[0]!.namespace;
    expect(namespace).toBeTruthy();
    expect(namespaces).toEqual(namespaces.map(({ file }) => ({ file, namespace })));
    for (const { name, objects } of rendered) {
      const declared = objects.filter((o) => o.kind === 'Namespace');
      expect(declared.map((o) => o.metadata.name)).toEqual([namespace]);
      expect(declared[0]!.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
      const elsewhere = objects
        .filter((o) => o.kind !== 'Namespace' && o.metadata.namespace !== namespace)
        .map((o) => `${name}: ${o.kind} ${o.metadata.name} in ${o.metadata.namespace ?? 'no namespace'}`);
      expect(elsewhere).toEqual([]);
    }
  });

  it('a PodMonitor scrapes every app pod on its metrics port, with the bearer token the app checks', () => {
    // The job label the alerts select (`up{job="tessera"}`).
    const alerts = readFileSync(join(ROOT, 'docker', 'prometheus', 'alerts.yml'), 'utf8');
    const jobs = new Set([...alerts.matchAll(/\bjob="([^"]+)"/g)].map((m) => m[1]!));
    expect(jobs.size).toBeGreaterThan(0);
    for (const { name, dir, objects } of rendered) {
      const monitors = objects.filter((o) => o.kind === 'PodMonitor');
      expect(monitors).toHaveLength(1);
      const monitor = monitors[0]! as K8sObject & {
        spec: {
          jobLabel?: string;
          selector?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
          podMetricsEndpoints?: {
            port?: string;
            path?: string;
            authorization?: { type?: string; credentials?: { name?: string; key?: string } };
          }[];
        };
      };
      // The CRD's required fields and the ones scraping depends on (no schema package is installed).
      expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
      expect(monitor.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(monitor.spec.selector?.matchExpressions).toBeUndefined();
      const selector = monitor.spec.selector?.matchLabels ?? {};
      expect(Object.keys(selector).length).toBeGreaterThan(0);
      const endpoints = monitor.spec.podMetricsEndpoints ?? [];
      expect(endpoints).toHaveLength(1);
      const endpoint = endpoints[0]!;
      expect(endpoint.path).toBe('/metrics');

      const selected = workloads(objects).filter((w) =>
        Object.entries(selector).every(([label, value]) => w.spec.template.metadata?.labels?.[label] === value),
      );
      const entry = appImageEntry(dir);
      // Every long-running app process, and neither PgBouncer nor the migration Job.
      const expected = appWorkloads(objects, entry).filter((w) => w.kind === 'Deployment');
      expect(selected.map((w) => w.metadata.name).sort()).toEqual(expected.map((w) => w.metadata.name).sort());
      for (const workload of selected) {
        const where = `${name}: ${workload.kind} ${workload.metadata.name}`;
        const app = containers(workload).find((c) => isAppImage(c.image, entry))!;
        expect({ where, port: app.ports?.find((p) => p.name === endpoint.port)?.containerPort }).toEqual({
          where,
          port: 3000,
        });
        expect({ where, job: workload.spec.template.metadata?.labels?.[monitor.spec.jobLabel ?? ''] }).toEqual({
          where,
          job: [...jobs][0],
        });
        // The token comes from the Secret the app loads METRICS_TOKEN from.
        const secret = endpoint.authorization?.credentials?.name;
        expect({ where, loads: app.envFrom?.some((from) => from.secretRef?.name === secret) }).toEqual({
          where,
          loads: true,
        });
      }
      expect(endpoint.authorization?.type).toBe('Bearer');
      expect(endpoint.authorization?.credentials?.key).toBe('METRICS_TOKEN');
      const secret = objects.find(
        (o) => o.kind === 'Secret' && o.metadata.name === endpoint.authorization?.credentials?.name,
      ) as (K8sObject & { stringData?: Record<string, string> }) | undefined;
      expect(secret?.stringData?.METRICS_TOKEN).toBeTruthy();
    }
  });

  it('the migration Job is a new object for each release and the same one when a release is applied again', () => {
    for (const { name, dir, objects } of rendered) {
      const entry = appImageEntry(dir);
      const job = jobOf(objects);
      expect(job.metadata.name).toBe(`tessera-migrate-${VERSION}`);
      // A valid name, short enough for the `job-name` label its pods get.
      expect(job.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/);
      expect(jobOf(kustomize(dir))).toEqual(job);

      const nextEntry = { ...entry, newName: 'registry.example.com/acme/tessera', ...release };
      const next = kustomize(dir, { images: [nextEntry] });
      const nextJob = jobOf(next);
      expect({ overlay: name, job: nextJob.metadata.name }).toEqual({
        overlay: name,
        job: `tessera-migrate-${release.newTag}`,
      });
      // The Job migrates to the release the Deployments run.
      const images = new Set(
        appWorkloads(next, nextEntry)
          .flatMap(containers)
          .map((c) => c.image)
          .filter((image) => isAppImage(image, nextEntry)),
      );
      expect([...images]).toEqual([`registry.example.com/acme/tessera:${release.newTag}`]);
      expect(appWorkloads(next, nextEntry).map((w) => w.kind)).toContain('Job');
    }
  });

  it('an autoscaled Deployment leaves its replica count to its autoscaler: no spec.replicas for apply to reset', () => {
    interface Autoscaler extends K8sObject {
      spec: {
        scaleTargetRef: { kind?: string; name: string };
        minReplicas?: number;
        minReplicaCount?: number;
      };
    }
    for (const { name, objects } of rendered) {
      const autoscalers = objects.filter((o) =>
        ['HorizontalPodAutoscaler', 'ScaledObject'].includes(o.kind),
      ) as Autoscaler[];
      expect(autoscalers.length).toBeGreaterThan(0);
      const problems = autoscalers.flatMap((autoscaler) => {
        const where = `${name}: ${autoscaler.kind} ${autoscaler.metadata.name}`;
        const { kind = 'Deployment', name: target } = autoscaler.spec.scaleTargetRef;
        const deployment = objects.find((o) => o.kind === kind && o.metadata.name === target) as
          (K8sObject & { spec: { replicas?: number } }) | undefined;
        if (!deployment) return [`${where}: scales ${kind} ${target}, which the overlay does not have`];
        // The autoscaler's minimum is the floor; without one, the HPA's default is 1 and KEDA's 0.
        const floor = autoscaler.spec.minReplicas ?? autoscaler.spec.minReplicaCount ?? 0;
        return [
          ...(deployment.spec.replicas !== undefined
            ? [`${where}: ${kind} ${target} sets spec.replicas ${deployment.spec.replicas}, reset by every apply`]
            : []),
          ...(floor < 1 ? [`${where}: no minimum of at least 1 replica`] : []),
        ];
      });
      expect(problems).toEqual([]);
    }
  });

  it('app probes wait out the longest migration and give /health/ready longer than its slowest check', () => {
    const checks = readinessCheckTimeoutsMs();
    expect(checks.length).toBeGreaterThan(3);
    const slowestCheckSeconds = Math.max(...checks) / 1000;
    for (const { name, dir, objects } of rendered) {
      const entry = appImageEntry(dir);
      const apps = appWorkloads(objects, entry).flatMap((workload) =>
        containers(workload)
          .filter((c) => isAppImage(c.image, entry))
          .map((container) => ({ workload, container: container as Container & Probes })),
      );
      expect(apps.filter(({ workload }) => workload.kind === 'Deployment').length).toBeGreaterThan(0);
      const problems = apps.flatMap(({ workload, container }) => {
        const where = `${name}: ${workload.kind} ${workload.metadata.name}`;
        const { startupProbe: startup, readinessProbe: ready, livenessProbe: live } = container;
        // The migration Job serves no HTTP; a probe there would kill it mid-migration.
        if (workload.kind === 'Job')
          return startup || ready || live ? [`${where}: probes a process that serves no HTTP`] : [];
        const found: string[] = [];
        const paths = [startup?.httpGet?.path, ready?.httpGet?.path, live?.httpGet?.path];
        if (paths.join() !== '/health/startup,/health/ready,/health/live')
          found.push(`${where}: probes ${paths.join()}`);
        // A pod that starts first migrates under the advisory lock, or waits behind the Job's;
        // some migrations copy whole tables: the kubelet must not restart it within 30 minutes.
        const startupSeconds =
          (startup?.initialDelaySeconds ?? 0) + (startup?.periodSeconds ?? 10) * (startup?.failureThreshold ?? 3);
        if (startupSeconds < 30 * 60) found.push(`${where}: the startup probe gives up after ${startupSeconds} s`);
        // Kubernetes' default timeoutSeconds is 1: a check still within its own time would fail the probe.
        const readyTimeout = ready?.timeoutSeconds ?? 1;
        if (readyTimeout <= slowestCheckSeconds)
          found.push(`${where}: readiness times out at ${readyTimeout} s, a check may take ${slowestCheckSeconds} s`);
        const liveTimeout = live?.timeoutSeconds ?? 1;
        if (liveTimeout < 2) found.push(`${where}: liveness times out at ${liveTimeout} s, one busy event-loop turn`);
        return found;
      });
      expect(problems).toEqual([]);
    }
  });

  it('each Ingress serves HTTPS for every host it routes', () => {
    for (const { name, objects } of rendered) {
      const ingresses = objects.filter((o) => o.kind === 'Ingress') as (K8sObject & {
        spec: { tls?: { hosts?: string[]; secretName?: string }[]; rules: { host?: string }[] };
      })[];
      expect(ingresses.length).toBeGreaterThan(0);
      for (const ingress of ingresses) {
        const where = `${name}: Ingress ${ingress.metadata.name}`;
        const tls = ingress.spec.tls ?? [];
        expect({ where, tls: tls.length }).toEqual({ where, tls: 1 });
        for (const entry of tls) {
          expect(entry.secretName).toMatch(/^[a-z0-9-]+$/);
          expect(entry.hosts?.length).toBeGreaterThan(0);
        }
        const covered = new Set(tls.flatMap((entry) => entry.hosts ?? []));
        // A rule without a host would answer any name, under a certificate for none of them.
        expect(ingress.spec.rules.filter((rule) => !rule.host || !covered.has(rule.host))).toEqual([]);
      }
    }
  });
});

/** What the kubelet reads of a probe (Kubernetes' defaults: period 10 s, 3 failures, timeout 1 s). */
interface Probe {
  httpGet?: { path?: string };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  failureThreshold?: number;
  timeoutSeconds?: number;
}

interface Probes {
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
}

/**
 * The time each readiness check of the app may take, from the source: the timeout given to each
 * `contributors.add(name, check, timeoutMs)` call, or HealthContributors' default.
 */
function readinessCheckTimeoutsMs(): number[] {
  const source = (path: string) => readFileSync(path, 'utf8');
  const fallback = Number(
    /add\(key: string, check: HealthCheckFn, timeoutMs = (\d+)\)/.exec(
      source(join(ROOT, 'libs', 'health', 'health-contributors.ts')),
    )?.[1],
  );
  expect(fallback).toBeGreaterThan(0);
  const sources = [join(ROOT, 'libs'), join(ROOT, 'src')].flatMap(function walk(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : /(?<!\.spec)\.ts$/.test(name) ? [path] : [];
    });
  });
  return sources.flatMap((path) => {
    const text = source(path);
    return [...text.matchAll(/\bcontributors\.add\(/g)].map((call) => {
      // The call's arguments, up to its closing parenthesis.
      let depth = 1;
      let at = call.index + call[0].length;
      for (; depth > 0 && at < text.length; at++) depth += text[at] === '(' ? 1 : text[at] === ')' ? -1 : 0;
      const timeout = /,\s*(\d[\d_]*)\s*,?\s*\)$/.exec(text.slice(call.index, at))?.[1];
      return timeout ? Number(timeout.replace(/_/g, '')) : fallback;
    });
  });
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : /\.ya?ml$/.test(name) ? [path] : [];
  });
}
