/**
 * Pyralog's own Raft peer messages (src/protocol/raft-wire/specs, Kafka's JSON spec format) → codecs in
 * src/protocol/raft-wire/generated, through the same emitters as Kafka's messages. The specs live in
 * the repository, so this output is always regenerated and checked (unlike Kafka's, read from ../shared).
 */
import { readdirSync } from 'node:fs';
import { banner, emitModule } from './emit-module.js';
import type { MessageSpec } from './model.js';
import { loadMessage } from './spec-loader.js';

/** Loads every spec of `specDir` (a flat folder of *.json), sorted by file name. */
export function loadRaftWireSpecs(specDir: string): MessageSpec[] {
  return readdirSync(specDir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((file) => loadMessage(specDir, file));
}

export function generateRaftWire(specDir: string): Map<string, string> {
  const messages = loadRaftWireSpecs(specDir);
  const files = new Map<string, string>();
  for (const message of messages) files.set(`${message.module}.ts`, emitModule(message, '../..'));
  const index = [banner('src/protocol/raft-wire/specs'), '', '// Codecs of the Raft peer messages.'];
  for (const message of messages) index.push(`export * from './${message.module}.js';`);
  files.set('index.ts', `${index.join('\n')}\n`);
  return files;
}
