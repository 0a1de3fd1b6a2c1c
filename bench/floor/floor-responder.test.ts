// The floor responder serves what librdkafka needs, in every durability mode, so the floor bench can
// never measure an instrument that answers nothing: kcat (librdkafka) produces with acks=all and
// reads the records back from the beginning, a consumer parked at the end is woken by a later
// produce, and in the file-backed modes the produced bytes are in the ring file.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../../src/testing/index.js';
import { kcat, readPartitionArgs } from '../../test/integration/kcat-run.js';
import { DURABILITY_MODES } from './durable-writer.js';
import { type FloorResponder, startFloorResponder } from './floor-responder.js';

const RING_BYTES = 1024 * 1024;

const SETUPS = [
  ...DURABILITY_MODES.map((mode) => ({ mode, isFetchFirst: false })),
  { mode: 'pool' as const, isFetchFirst: true },
];

for (const { mode, isFetchFirst } of SETUPS) {
  describe(`floor responder in mode ${mode}${isFetchFirst ? ', fetches answered first' : ''}`, () => {
    let dir: string;
    let responder: FloorResponder;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'pyralog-floor-'));
      responder = await startFloorResponder({ mode, dir, port: 0, ringBytes: RING_BYTES, isFetchFirst });
    });
    after(async () => {
      await responder.stop();
      await rm(dir, { recursive: true, force: true });
    });

    it('gives back what kcat produced with acks=all, from offset 0 on', async () => {
      const values = Array.from({ length: 20 }, (_, i) => `${mode}-record-${i}`);
      await kcat(
        ['-b', responder.bootstrap, '-P', '-t', 'floor', '-p', '0', '-X', 'acks=all'],
        `${values.join('\n')}\n`,
      );
      const output = await kcat(readPartitionArgs(responder.bootstrap, 'floor', '%o %s\n'));
      assert.deepEqual(
        output.split('\n').filter((line) => line !== ''),
        values.map((value, offset) => `${offset} ${value}`),
      );
      const file = mode === 'none' ? undefined : await readFile(join(dir, 'floor.log'));
      if (file !== undefined)
        assert.ok(file.includes(`${mode}-record-19`), 'the last record is in the ring file');
    });

    it('wakes a consumer waiting at the end when records arrive', async () => {
      const fetchesBefore = responder.counts().Fetch ?? 0;
      const consumer = spawn(
        'kcat',
        [
          '-b',
          responder.bootstrap,
          '-C',
          '-t',
          'wake',
          '-p',
          '0',
          '-o',
          'end',
          '-c',
          '2',
          '-q',
          '-f',
          '%s\n',
        ],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let received = '';
      consumer.stdout.on('data', (chunk: Buffer) => {
        received += chunk.toString();
      });
      const exited = new Promise<number | null>((resolve) => consumer.once('exit', resolve));
      try {
        // Its first fetch at the end of the empty topic is parked before anything is produced.
        await eventually(
          'the consumer fetching',
          () => ((responder.counts().Fetch ?? 0) > fetchesBefore ? true : undefined),
          {
            timeoutMs: 10_000,
            intervalMs: 5,
          },
        );
        await kcat(
          ['-b', responder.bootstrap, '-P', '-t', 'wake', '-p', '0', '-X', 'acks=all'],
          'first\nsecond\n',
        );
        assert.equal(await exited, 0);
        assert.equal(received, 'first\nsecond\n');
      } finally {
        consumer.kill();
      }
    });
  });
}
