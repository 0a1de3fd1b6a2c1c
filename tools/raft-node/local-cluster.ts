/**
 * Runs tools/raft-node as separate processes on loopback, for test/integration and bench/raft. The
 * entry is bundled once with esbuild (npm packages stay external) into <repo>/tmp/, because starting
 * the TypeScript sources through tsx takes seconds on a loaded machine and a leader-kill test restarts
 * nodes dozens of times. Every process and directory it creates is removed by `close()`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeId } from '../../src/raft/core/log-entry.js';
import { clientAddressIn, readNodeAddress } from '../../src/raft/host/kv/address-directory.js';
import { KvClusterClient } from '../../src/raft/host/kv/kv-cluster-client.js';
import { bundleModule } from '../build/bundles.js';

const root = new URL('../..', import.meta.url).pathname;

export interface LocalClusterOptions {
  readonly size: number;
  readonly electionTimeoutMs: number;
  /** Where data and address dirs go; default the OS temp dir. */
  readonly baseDir?: string;
  /** Extra node flags for every process, e.g. ['--cpu-prof', '--cpu-prof-dir', dir]. */
  readonly nodeArgs?: readonly string[];
  /** Every node's log (pino JSON, stderr) is appended to <logDir>/node-<id>.log; level default warn. */
  readonly logDir?: string;
  readonly logLevel?: string;
  /** Nodes print their status this often; `status(id)` returns the latest (default off). */
  readonly statusEveryMs?: number;
  /** More tools/raft-node/main.ts options for every node, e.g. ['--zero-ahead-bytes', '0']. */
  readonly nodeOptions?: readonly string[];
}

/** A node's latest `status` line (tools/raft-node/main.ts --status-every-ms). */
export interface NodeStatusLine {
  readonly role: string;
  readonly term: number;
  readonly leaderId: NodeId | undefined;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly lastIndex: number;
  /** Date.now() when it was read. */
  readonly atMs: number;
}

export class LocalRaftCluster {
  readonly ids: NodeId[];
  readonly addressDir: string;
  readonly #workDir: string;
  readonly #bundle: string;
  readonly #options: LocalClusterOptions;
  readonly #processes = new Map<NodeId, ChildProcess>();
  readonly #exits = new Map<NodeId, Promise<void>>();
  readonly #statuses = new Map<NodeId, NodeStatusLine>();

  private constructor(options: LocalClusterOptions, workDir: string, bundle: string) {
    this.#options = options;
    this.#workDir = workDir;
    this.#bundle = bundle;
    this.ids = Array.from({ length: options.size }, (_, i) => i + 1);
    this.addressDir = join(workDir, 'addresses');
    mkdirSync(this.addressDir);
  }

  static async start(options: LocalClusterOptions): Promise<LocalRaftCluster> {
    const workDir = mkdtempSync(join(options.baseDir ?? process.env['TMPDIR'] ?? '/tmp', 'pyralog-raft-'));
    mkdirSync(join(root, 'tmp'), { recursive: true });
    const bundle = join(root, 'tmp', `raft-node-${process.pid}-${Date.now()}.mjs`);
    await bundleModule('tools/raft-node/main.ts', bundle);
    const cluster = new LocalRaftCluster(options, workDir, bundle);
    try {
      await Promise.all(cluster.ids.map((id) => cluster.startNode(id)));
    } catch (error: unknown) {
      await cluster.close();
      throw error;
    }
    return cluster;
  }

  client(): KvClusterClient {
    return new KvClusterClient({ clientAddress: clientAddressIn(this.addressDir), nodeIds: this.ids });
  }

  isRunning(id: NodeId): boolean {
    return this.#processes.has(id);
  }

  /** Starts node `id` (again: same data dir) and resolves once it listens and published its ports. */
  async startNode(id: NodeId): Promise<void> {
    if (this.#processes.has(id)) throw new Error(`node ${id} is running`);
    const child = spawn(
      process.execPath,
      [
        ...(this.#options.nodeArgs ?? []),
        this.#bundle,
        ...['--id', String(id), '--voters', this.ids.join(',')],
        ...['--data-dir', join(this.#workDir, `node-${id}`), '--address-dir', this.addressDir],
        ...['--election-timeout-ms', String(this.#options.electionTimeoutMs)],
        ...(this.#options.logLevel === undefined ? [] : ['--log-level', this.#options.logLevel]),
        ...(this.#options.nodeOptions ?? []),
        ...(this.#options.statusEveryMs === undefined
          ? []
          : ['--status-every-ms', String(this.#options.statusEveryMs)]),
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.#processes.set(id, child);
    this.#statuses.delete(id);
    let pendingLine = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      const lines = (pendingLine + chunk.toString()).split('\n');
      pendingLine = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.startsWith('status ') || this.#processes.get(id) !== child) continue;
        this.#statuses.set(id, { ...(JSON.parse(line.slice(7)) as NodeStatusLine), atMs: Date.now() });
      }
    });
    let stderr = '';
    const logDir = this.#options.logDir;
    if (logDir !== undefined)
      child.stderr?.pipe(createWriteStream(join(logDir, `node-${id}.log`), { flags: 'a' }));
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    this.#exits.set(
      id,
      new Promise((resolve) => {
        child.once('exit', () => {
          if (this.#processes.get(id) === child) this.#processes.delete(id);
          resolve();
        });
      }),
    );
    await new Promise<void>((resolve, reject) => {
      let stdout = '';
      const onData = (chunk: Buffer): void => {
        stdout += chunk.toString();
        if (stdout.includes(`raft-node ${id} ready`)) {
          child.stdout?.off('data', onData);
          child.off('exit', onExit);
          resolve();
        }
      };
      const onExit = (code: number | null): void =>
        reject(new Error(`raft node ${id} exited (${code}) before it was ready: ${stderr}`));
      child.stdout?.on('data', onData);
      child.once('exit', onExit);
    });
    const published = readNodeAddress(this.addressDir, id);
    if (published?.pid !== child.pid) throw new Error(`node ${id} did not publish its address`);
  }

  /** SIGKILLs node `id` and resolves once the process is gone. */
  async kill(id: NodeId): Promise<void> {
    const child = this.#processes.get(id);
    if (child === undefined) return;
    child.kill('SIGKILL');
    await this.#exits.get(id);
  }

  /** The node's latest status line (statusEveryMs), undefined before its first one or when it is down. */
  status(id: NodeId): NodeStatusLine | undefined {
    return this.#processes.has(id) ? this.#statuses.get(id) : undefined;
  }

  pid(id: NodeId): number | undefined {
    return this.#processes.get(id)?.pid;
  }

  /** Ends every node: SIGTERM first when `graceful` (so profiles and logs are written), SIGKILL otherwise. */
  async close(graceful = false): Promise<void> {
    if (graceful) {
      await Promise.all(
        [...this.#processes].map(([id, child]) => {
          child.kill('SIGTERM');
          return this.#exits.get(id);
        }),
      );
    }
    await Promise.all([...this.#processes.keys()].map((id) => this.kill(id)));
    rmSync(this.#workDir, { recursive: true, force: true });
    rmSync(this.#bundle, { force: true });
  }
}
