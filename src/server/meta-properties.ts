import { randomBytes } from 'node:crypto';
import { randomUuid } from '../protocol/index.js';
import type { FileSystem } from '../storage/index.js';

/** Kafka's per-log-dir identity file (KRaft's meta.properties, version 1). */
export const META_PROPERTIES = 'meta.properties';

function parse(text: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0 && !line.startsWith('#')) entries.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  return entries;
}

async function readText(fs: FileSystem, path: string): Promise<string | undefined> {
  const stat = await fs.stat(path);
  if (stat === undefined) return undefined;
  const file = await fs.open(path);
  try {
    const buffer = Buffer.alloc(stat.size);
    let filled = 0;
    while (filled < stat.size) {
      const read = await file.read(buffer, filled, stat.size - filled, filled);
      if (read === 0) break;
      filled += read;
    }
    return buffer.subarray(0, filled).toString('utf8');
  } finally {
    await file.close();
  }
}

async function writeText(fs: FileSystem, dir: string, text: string): Promise<void> {
  const path = `${dir}/${META_PROPERTIES}`;
  const temp = `${path}.tmp`;
  const file = await fs.open(temp, { create: true });
  try {
    await file.truncate(0);
    await file.writev([Buffer.from(text, 'utf8')], 0);
    await file.sync();
  } finally {
    await file.close();
  }
  await fs.rename(temp, path);
  await fs.fsyncDir(dir);
}

/**
 * The cluster id of the log dir `dir`: read from its meta.properties, or a new random one written
 * there (Kafka's `kafka-storage format` step, done on first start). Throws when the file names
 * another node id: that dir belongs to a different node.
 */
export async function loadOrFormatClusterId(fs: FileSystem, dir: string, nodeId: number): Promise<string> {
  const path = `${dir}/${META_PROPERTIES}`;
  const text = await readText(fs, path);
  if (text !== undefined) {
    const entries = parse(text);
    const clusterId = entries.get('cluster.id');
    const recordedNode = entries.get('node.id');
    if (recordedNode !== undefined && recordedNode !== String(nodeId)) {
      throw new Error(`${path} belongs to node ${recordedNode}, not node.id ${nodeId}`);
    }
    if (clusterId !== undefined && clusterId !== '') return clusterId;
  }
  const clusterId = randomUuid((size) => randomBytes(size));
  await writeText(fs, dir, `#Written by pyralog\nversion=1\ncluster.id=${clusterId}\nnode.id=${nodeId}\n`);
  return clusterId;
}
