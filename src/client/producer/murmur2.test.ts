// Proves murmur2 equals the Java client's (Kafka's UtilsTest vectors) and the default partitioner's
// key mapping and KIP-480 stickiness for records without key.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRandom } from '../../testing/index.js';
import { murmur2, partitionForKey } from './murmur2.js';
import { DefaultPartitioner } from './partitioner.js';

describe('murmur2', () => {
  it('matches the vectors of Kafka UtilsTest.testMurmur2', () => {
    const cases: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [input, expected] of cases) assert.equal(murmur2(Buffer.from(input)), expected, input);
  });

  it('maps a key with toPositive, not Math.abs', () => {
    // murmur2('foobar') is negative: toPositive clears the sign bit.
    assert.equal(partitionForKey(Buffer.from('foobar'), 1000), (-790332482 & 0x7fffffff) % 1000);
  });
});

describe('DefaultPartitioner', () => {
  const partitioning = { partitionCount: 6, availablePartitions: [0, 1, 2, 3, 4, 5] };

  it('keeps a key on its murmur2 partition even when that partition has no leader', () => {
    const partitioner = new DefaultPartitioner();
    const key = Buffer.from('order-42');
    const expected = partitionForKey(key, 6);
    assert.equal(partitioner.partition('t', key, { partitionCount: 6, availablePartitions: [] }), expected);
  });

  it('sticks to one partition for keyless records until a new batch, then moves to another available one', () => {
    const random = new SeededRandom(7);
    const partitioner = new DefaultPartitioner(() => random.nextFloat());
    const first = partitioner.partition('t', null, partitioning);
    for (let i = 0; i < 10; i++) assert.equal(partitioner.partition('t', null, partitioning), first);
    partitioner.onNewBatch('t', first, partitioning);
    const second = partitioner.partition('t', null, partitioning);
    assert.notEqual(second, first);
    // A new batch on a partition that is not the sticky one changes nothing.
    partitioner.onNewBatch('t', (second + 1) % 6, partitioning);
    assert.equal(partitioner.partition('t', null, partitioning), second);
    const limited = { partitionCount: 6, availablePartitions: [4] };
    partitioner.onNewBatch('t', second, limited);
    assert.equal(partitioner.partition('t', null, limited), 4);
  });
});
