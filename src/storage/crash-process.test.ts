// Proves crash safety with real processes on a real disk: a child appending in a loop is SIGKILLed
// once it has acknowledged a random number of durable batches; in every other round its files are
// then cut back to their last fsynced sizes (simulated power loss, from the fsync journal). After
// reopening, every batch acknowledged as durable in any round is present and intact at its offset,
// every batch validates and offsets only go up. STORAGE_CRASH_ROUNDS sets the rounds (stress: 50+).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { RecordBatchView } from '../protocol/index.js';
import { LogManager } from './log-manager.js';
import { NodeFileSystem } from './node-file-system.js';
import { cutToFsyncJournal, fileSizes } from './power-loss.js';
import { crashBatch } from './test-support.js';

const ROUNDS = Number(process.env['STORAGE_CRASH_ROUNDS'] ?? 4);
const CHILD = new URL('./crash-child.ts', import.meta.url).pathname;

interface Acknowledged {
  readonly round: number;
  readonly index: number;
  readonly firstOffset: bigint;
}

/** Starts the child and resolves with its durable acknowledgements once `wanted` arrived and it is dead. */
function runChildUntil(
  logDir: string,
  journal: string,
  round: number,
  wanted: number,
  children: Set<ChildProcess>,
) {
  return new Promise<Acknowledged[]>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, logDir, journal, String(round)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.add(child);
    const acknowledged: Acknowledged[] = [];
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const [kind, index, offset] = line.split(' ');
      if (kind !== 'durable') return;
      acknowledged.push({ round, index: Number(index), firstOffset: BigInt(offset!) });
      if (acknowledged.length === wanted) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      children.delete(child);
      if (signal === 'SIGKILL') resolve(acknowledged);
      else reject(new Error(`crash child exited with ${code ?? signal}`));
    });
  });
}

describe('crash safety with real processes', () => {
  const children = new Set<ChildProcess>();
  after(() => {
    for (const child of children) child.kill('SIGKILL');
  });

  it(`keeps every durable batch across ${ROUNDS} SIGKILLs, half of them with power loss`, async () => {
    const root = await mkdtemp(join(tmpdir(), 'pyralog-crash-'));
    let seed = Number(process.env['STORAGE_CRASH_SEED'] ?? 7);
    // A small LCG: the kill points repeat for a given seed.
    const nextInt = (bound: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % bound;
    };
    const logDir = join(root, 'logs');
    const allAcknowledged: Acknowledged[] = [];
    try {
      const initial = await LogManager.open({ fs: new NodeFileSystem(), logDirs: [logDir], schedule: false });
      await initial.close();
      for (let round = 0; round < ROUNDS; round += 1) {
        const baseline = await fileSizes(root);
        const journal = join(root, `journal-${round}`);
        const wanted = 5 + nextInt(60);
        allAcknowledged.push(...(await runChildUntil(logDir, journal, round, wanted, children)));
        if (round % 2 === 1) await cutToFsyncJournal(logDir, journal, baseline);
        await checkLog(logDir, allAcknowledged);
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

async function checkLog(logDir: string, acknowledged: readonly Acknowledged[]): Promise<void> {
  const manager = await LogManager.open({ fs: new NodeFileSystem(), logDirs: [logDir], schedule: false });
  try {
    const log = manager.getLog('crash', 0);
    assert.ok(log !== undefined);
    const byOffset = new Map<bigint, Buffer>();
    let offset = log.logStartOffset;
    let previousEnd = -1n;
    while (offset < log.logEndOffset) {
      const result = await log.read(offset, { maxBytes: 1 << 20, minOneBatch: true });
      assert.equal(result.kind, 'records');
      if (result.kind !== 'records' || result.records.length === 0) break;
      for (let at = 0; at < result.records.length; ) {
        const view = RecordBatchView.at(result.records, at);
        view.validate();
        assert.ok(view.baseOffset >= previousEnd, 'offsets only go up');
        previousEnd = view.nextOffset;
        byOffset.set(view.baseOffset, Buffer.from(view.bytes));
        at += view.sizeInBytes;
        offset = view.nextOffset;
      }
    }
    for (const ack of acknowledged) {
      const expected = crashBatch(ack.round, ack.index);
      RecordBatchView.at(expected).setBaseOffset(ack.firstOffset);
      const actual = byOffset.get(ack.firstOffset);
      assert.ok(actual?.equals(expected), `round ${ack.round} batch ${ack.index} at ${ack.firstOffset}`);
    }
  } finally {
    await manager.close();
  }
}
