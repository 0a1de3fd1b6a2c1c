// kcat (librdkafka) against startBroker on port 0 with a temp dir: metadata listing, produce with
// keys, headers and every codec, consume back exactly, and offsets by timestamp (-Q).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningBroker, startBroker } from '../../src/index.js';

/** Runs kcat with `input` on stdin; rejects on a non-zero exit or after 20 s. */
function kcat(args: readonly string[], input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`kcat ${args.join(' ')} exited ${code}: ${stderr}`));
    });
    child.stdin.end(input);
  });
}

// kcat is required, not optional: `npm test` installs it when missing (tools/ensure-test-deps.sh).
describe('kcat against startBroker', () => {
  let dir: string;
  let broker: RunningBroker;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pyralog-kcat-'));
    broker = await startBroker({ port: 0, logDirs: [dir], config: { 'num.partitions': '3' } });
  });
  after(async () => {
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('produces with every codec and consumes the records back in order', async () => {
    const expected: string[] = [];
    for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
      const lines = [`k-${codec}-1:${codec} one`, `k-${codec}-2:${codec} two`];
      await kcat(
        [
          '-b',
          broker.bootstrap,
          '-P',
          '-t',
          'kc',
          '-p',
          '0',
          '-K',
          ':',
          '-z',
          codec,
          '-H',
          `codec=${codec}`,
          '-X',
          'acks=all',
        ],
        `${lines.join('\n')}\n`,
      );
      for (const line of lines) expected.push(`${line.replace(':', '=')}|codec=${codec}`);
    }
    const consumed = await kcat([
      '-b',
      broker.bootstrap,
      '-C',
      '-t',
      'kc',
      '-p',
      '0',
      '-o',
      'beginning',
      '-e',
      '-q',
      '-f',
      '%k=%s|%h\\n',
    ]);
    assert.deepEqual(consumed.trim().split('\n'), expected);
  });

  it('lists the broker and the auto-created topic with -L', async () => {
    const listing = JSON.parse(await kcat(['-b', broker.bootstrap, '-L', '-J'])) as {
      brokers: { id: number; name: string }[];
      topics: { topic: string; partitions: unknown[] }[];
    };
    assert.deepEqual(
      listing.brokers.map((b) => [b.id, b.name]),
      [[1, broker.bootstrap]],
    );
    assert.equal(listing.topics.find((t) => t.topic === 'kc')?.partitions.length, 3);
  });

  it('answers offsets by timestamp (-Q) and latest', async () => {
    const future = Date.now() + 3_600_000;
    const none = await kcat(['-b', broker.bootstrap, '-Q', '-t', `kc:0:${future}`]);
    assert.match(none, /offset -1/);
    const first = await kcat(['-b', broker.bootstrap, '-Q', '-t', 'kc:0:0']);
    assert.match(first, /offset 0\b/);
  });
});
