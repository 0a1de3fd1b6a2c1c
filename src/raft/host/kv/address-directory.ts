import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeId } from '../../core/log-entry.js';
import type { PeerAddress } from '../raft-peer-link.js';

/** Where a node listens, as published in an address directory. */
export interface NodeAddress {
  readonly host: string;
  readonly raftPort: number;
  readonly clientPort: number;
  readonly pid: number;
}

/**
 * Local clusters on port 0: each node publishes `<dir>/<id>.json` once it listens (written to a temp
 * file and renamed, so a reader never sees half of it), and peers read it at every connection attempt,
 * so a restarted node on new ports is found again. Read at connect time only, never per message.
 */
export function publishNodeAddress(dir: string, id: NodeId, address: NodeAddress): void {
  const path = join(dir, `${id}.json`);
  writeFileSync(`${path}.tmp`, JSON.stringify(address));
  renameSync(`${path}.tmp`, path);
}

export function readNodeAddress(dir: string, id: NodeId): NodeAddress | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, `${id}.json`), 'utf8');
  } catch (error: unknown) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { host, raftPort, clientPort, pid } = parsed as Record<string, unknown>;
  if (
    typeof host !== 'string' ||
    typeof raftPort !== 'number' ||
    typeof clientPort !== 'number' ||
    typeof pid !== 'number'
  ) {
    return undefined;
  }
  return { host, raftPort, clientPort, pid };
}

export function raftAddressIn(dir: string): (id: NodeId) => PeerAddress | undefined {
  return (id) => {
    const address = readNodeAddress(dir, id);
    return address === undefined ? undefined : { host: address.host, port: address.raftPort };
  };
}

export function clientAddressIn(dir: string): (id: NodeId) => PeerAddress | undefined {
  return (id) => {
    const address = readNodeAddress(dir, id);
    return address === undefined ? undefined : { host: address.host, port: address.clientPort };
  };
}
