/**
 * The Pod Security Standards' "restricted" profile (which includes "baseline") as field checks
 * on a pod spec, written from https://kubernetes.io/docs/concepts/security/pod-security-standards/:
 * what the admission controller refuses in a namespace labelled
 * `pod-security.kubernetes.io/enforce: restricted`.
 */

interface SecurityContext {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  procMount?: string;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type?: string };
  appArmorProfile?: { type?: string };
  seLinuxOptions?: { type?: string; user?: string; role?: string };
  windowsOptions?: { hostProcess?: boolean };
  sysctls?: { name: string }[];
}

interface Container {
  name: string;
  securityContext?: SecurityContext;
  ports?: { hostPort?: number }[];
}

export interface PodSpec {
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  securityContext?: SecurityContext;
  volumes?: Record<string, unknown>[];
  initContainers?: Container[];
  containers: Container[];
  ephemeralContainers?: Container[];
}

const ALLOWED_VOLUME_SOURCES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);

const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

/** Why the restricted profile would refuse this pod; empty when it admits it. */
export function restrictedViolations(pod: PodSpec, annotations: Record<string, string> = {}): string[] {
  const problems: string[] = [];
  const podContext = pod.securityContext ?? {};
  const containers = [...(pod.initContainers ?? []), ...pod.containers, ...(pod.ephemeralContainers ?? [])];

  for (const field of ['hostNetwork', 'hostPID', 'hostIPC'] as const) if (pod[field]) problems.push(`${field}: true`);
  for (const volume of pod.volumes ?? []) {
    const sources = Object.keys(volume).filter((key) => key !== 'name');
    for (const source of sources.filter((s) => !ALLOWED_VOLUME_SOURCES.has(s)))
      problems.push(`volume ${String(volume.name)}: ${source} volumes are not allowed`);
  }
  for (const { name } of podContext.sysctls ?? [])
    if (!SAFE_SYSCTLS.has(name)) problems.push(`sysctl ${name} is not a safe one`);
  for (const [key, value] of Object.entries(annotations)) {
    if (key.startsWith('container.apparmor.security.beta.kubernetes.io/'))
      if (value !== 'runtime/default' && !value.startsWith('localhost/')) problems.push(`${key}: ${value}`);
  }
  problems.push(...contextProblems('pod', podContext));
  if (podContext.runAsUser === 0) problems.push('pod runs as user 0');

  for (const container of containers) {
    const where = `container ${container.name}`;
    const context = container.securityContext ?? {};
    problems.push(...contextProblems(where, context));
    if (context.privileged) problems.push(`${where}: privileged`);
    if (context.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation is not false`);
    if (context.procMount !== undefined && context.procMount !== 'Default')
      problems.push(`${where}: procMount ${context.procMount}`);
    const nonRoot = context.runAsNonRoot ?? podContext.runAsNonRoot;
    if (nonRoot !== true) problems.push(`${where}: runAsNonRoot is not true (on the container or the pod)`);
    if (context.runAsUser === 0) problems.push(`${where}: runs as user 0`);
    const seccomp = context.seccompProfile?.type ?? podContext.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
      problems.push(`${where}: seccompProfile is ${seccomp ?? 'unset'}, not RuntimeDefault or Localhost`);
    if (!context.capabilities?.drop?.includes('ALL')) problems.push(`${where}: capabilities do not drop ALL`);
    for (const added of context.capabilities?.add ?? [])
      if (added !== 'NET_BIND_SERVICE') problems.push(`${where}: adds capability ${added}`);
    for (const port of container.ports ?? []) if (port.hostPort) problems.push(`${where}: hostPort ${port.hostPort}`);
  }
  return problems;
}

/** The checks that apply alike to the pod's and to each container's security context. */
function contextProblems(where: string, context: SecurityContext): string[] {
  const problems: string[] = [];
  if (context.windowsOptions?.hostProcess) problems.push(`${where}: windows hostProcess`);
  if (context.seccompProfile?.type === 'Unconfined') problems.push(`${where}: seccomp Unconfined`);
  const appArmor = context.appArmorProfile?.type;
  if (appArmor !== undefined && appArmor !== 'RuntimeDefault' && appArmor !== 'Localhost')
    problems.push(`${where}: AppArmor ${appArmor}`);
  const seLinux = context.seLinuxOptions;
  if (seLinux) {
    if (!SELINUX_TYPES.has(seLinux.type ?? '')) problems.push(`${where}: SELinux type ${seLinux.type}`);
    if (seLinux.user || seLinux.role) problems.push(`${where}: SELinux user or role set`);
  }
  return problems;
}
