import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A port free right now, from the kernel's ephemeral range: for a listener started at once. */
export function freePort(): Promise<number> {
  return listenOnce(0);
}

/**
 * A free port below the kernel's ephemeral range, for a port chosen long before it is listened
 * on (the e2e webhook and SMTP receivers, told to the deployment at launch, listened on by each
 * topology's tests). A port from `freePort` can meanwhile become the local end of some outgoing
 * connection (a database or Redis client) and fail with EADDRINUSE.
 */
export async function freePortOutsideEphemeralRange(besides: readonly number[] = []): Promise<number> {
  const [ephemeralLow] = ephemeralRange();
  const low = 10_000;
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = low + Math.floor(Math.random() * (ephemeralLow - low));
    if (besides.includes(port)) continue;
    const free = await listenOnce(port).then(
      () => true,
      () => false,
    );
    if (free) return port;
  }
  throw new Error(`no free port between ${low} and ${ephemeralLow}`);
}

function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low && high && low > 10_001) return [low, high];
  } catch {
    // Not Linux: the IANA dynamic range.
  }
  return [49_152, 65_535];
}

/** Listens on `port` (0: any) and closes again; answers the port. */
function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
