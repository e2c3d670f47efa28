import { BlockList, isIPv4, isIPv6 } from 'node:net';

/**
 * Why an address must not be a webhook target: the server would be calling into its own
 * network (SSRF). `undefined` from `forbiddenAddressReason` means a public address.
 */
export type ForbiddenReason =
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link-local'
  | 'unique-local'
  | 'unspecified'
  | 'multicast'
  | 'reserved'
  | 'not-an-ip';

const v4 = new Map<ForbiddenReason, BlockList>();
const v6 = new Map<ForbiddenReason, BlockList>();

function ranges(
  table: Map<ForbiddenReason, BlockList>,
  reason: ForbiddenReason,
  family: 'ipv4' | 'ipv6',
  cidrs: string[],
) {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [network, prefix] = cidr.split('/') as [string, string];
    list.addSubnet(network, Number(prefix), family);
  }
  table.set(reason, list);
}

ranges(v4, 'unspecified', 'ipv4', ['0.0.0.0/8']);
ranges(v4, 'loopback', 'ipv4', ['127.0.0.0/8']);
ranges(v4, 'private', 'ipv4', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']);
ranges(v4, 'shared', 'ipv4', ['100.64.0.0/10']);
ranges(v4, 'link-local', 'ipv4', ['169.254.0.0/16']);
ranges(v4, 'multicast', 'ipv4', ['224.0.0.0/4']);
// IETF protocol assignments, benchmarking, and 240/4 (reserved, includes broadcast).
ranges(v4, 'reserved', 'ipv4', ['192.0.0.0/24', '198.18.0.0/15', '240.0.0.0/4']);

ranges(v6, 'unspecified', 'ipv6', ['::/128']);
ranges(v6, 'loopback', 'ipv6', ['::1/128']);
ranges(v6, 'link-local', 'ipv6', ['fe80::/10']);
ranges(v6, 'unique-local', 'ipv6', ['fc00::/7']);
ranges(v6, 'multicast', 'ipv6', ['ff00::/8']);
// Deprecated site-local, and the deprecated IPv4-compatible form (::a.b.c.d).
ranges(v6, 'reserved', 'ipv6', ['fec0::/10', '::/96']);

/** The eight 16-bit groups of an IPv6 address (zone id dropped, a dotted IPv4 tail expanded). */
export function ipv6Groups(address: string): number[] | undefined {
  const text = address.split('%')[0] ?? '';
  if (!isIPv6(text)) return undefined;
  let head = text;
  const tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const octets = dotted[1].split('.').map(Number) as [number, number, number, number];
    tail.push((octets[0] << 8) | octets[1], (octets[2] << 8) | octets[3]);
    head = text.slice(0, -dotted[1].length);
    // Drop the ':' before the dotted part, unless it is half of a '::'.
    if (!head.endsWith('::')) head = head.slice(0, -1);
  }
  const [left = '', right] = head.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const before = parse(left);
  const after = [...(right === undefined ? [] : parse(right)), ...tail];
  const missing = 8 - before.length - after.length;
  if (right === undefined && missing !== 0) return undefined;
  return [...before, ...Array<number>(Math.max(0, missing)).fill(0), ...after];
}

/** IPv4-mapped (`::ffff:a.b.c.d`) and NAT64 (`64:ff9b::a.b.c.d`) reach an IPv4 address, so are judged as it. */
export function embeddedIPv4(address: string): string | undefined {
  const groups = ipv6Groups(address);
  if (!groups) return undefined;
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  const nat64 = groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0);
  if (!mapped && !nat64) return undefined;
  const [high = 0, low = 0] = groups.slice(6);
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** Why this IP address must not be a webhook target, or undefined for a public address. */
export function forbiddenAddressReason(address: string): ForbiddenReason | undefined {
  if (isIPv4(address)) {
    for (const [reason, list] of v4) if (list.check(address, 'ipv4')) return reason;
    return undefined;
  }
  const text = address.split('%')[0] ?? '';
  if (!isIPv6(text)) return 'not-an-ip';
  const inner = embeddedIPv4(text);
  if (inner) return forbiddenAddressReason(inner);
  for (const [reason, list] of v6) if (list.check(text, 'ipv6')) return reason;
  return undefined;
}
