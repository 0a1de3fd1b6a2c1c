/**
 * `npm run codegen`: regenerates src/protocol/generated from Kafka's JSON specs.
 * The specs are read from ../shared/kafka-protocol relative to the repo root, or from
 * `--specs <dir>` / the KAFKA_PROTOCOL_DIR environment variable; `--out <dir>` writes elsewhere.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from './generate.js';
import { generateRaftWire } from './generate-raft-wire.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DEFAULT_SPEC_DIR = resolve(REPO_ROOT, '../shared/kafka-protocol');
export const GENERATED_DIR = join(REPO_ROOT, 'src/protocol/generated');
export const RAFT_WIRE_SPEC_DIR = join(REPO_ROOT, 'src/protocol/raft-wire/specs');
export const RAFT_WIRE_GENERATED_DIR = join(REPO_ROOT, 'src/protocol/raft-wire/generated');

function option(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(name);
  if (index === -1) return undefined;
  const value = args[index + 1];
  if (value === undefined) throw new Error(`${name} needs a value`);
  return value;
}

/** Lists files under `dir`, relative to it. */
export function listFiles(dir: string, prefix = ''): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) files.push(...listFiles(join(dir, entry.name), path));
    else files.push(path);
  }
  return files;
}

/** Replaces `outDir` with the generated files; returns how many were written. */
export function writeGenerated(specDir: string, outDir: string): number {
  return writeFiles(generate(specDir), outDir);
}

/** Replaces `outDir` with Pyralog's own Raft wire codecs; returns how many files were written. */
export function writeRaftWireGenerated(outDir: string): number {
  return writeFiles(generateRaftWire(RAFT_WIRE_SPEC_DIR), outDir);
}

function writeFiles(files: Map<string, string>, outDir: string): number {
  rmSync(outDir, { recursive: true, force: true });
  for (const [path, text] of files) {
    const target = join(outDir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
  return files.size;
}

function main(args: readonly string[]): void {
  const specDir = resolve(option(args, '--specs') ?? process.env['KAFKA_PROTOCOL_DIR'] ?? DEFAULT_SPEC_DIR);
  const outDir = resolve(option(args, '--out') ?? GENERATED_DIR);
  const count = writeGenerated(specDir, outDir);
  console.log(`codegen: wrote ${count} files from ${specDir} to ${outDir}`);
  const raftCount = writeRaftWireGenerated(RAFT_WIRE_GENERATED_DIR);
  console.log(`codegen: wrote ${raftCount} files from ${RAFT_WIRE_SPEC_DIR} to ${RAFT_WIRE_GENERATED_DIR}`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2));
}
