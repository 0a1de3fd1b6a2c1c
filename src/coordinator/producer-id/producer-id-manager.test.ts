// Proves ProducerIdManager's contract over a fake controller: ids are handed out in order from
// persisted blocks, never twice, the next block is fetched once 90% of the current one is used,
// and a failed allocation fails only the calls that needed it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ProducerIdBlock, ProducerIdManager } from './producer-id-manager.js';

function controller(size: number): {
  allocate: () => Promise<ProducerIdBlock>;
  calls: number;
  fail: boolean;
} {
  const state = {
    calls: 0,
    fail: false,
    allocate: async (): Promise<ProducerIdBlock> => {
      if (state.fail) throw new Error('controller unavailable');
      const block = { firstProducerId: BigInt(state.calls * size), size };
      state.calls += 1;
      return block;
    },
  };
  return state;
}

describe('ProducerIdManager', () => {
  it('hands out every id of each block once, in order, across blocks', async () => {
    const fake = controller(10);
    const manager = new ProducerIdManager(fake.allocate);
    const ids = await Promise.all(Array.from({ length: 35 }, () => manager.generateProducerId()));
    assert.deepEqual(
      ids,
      Array.from({ length: 35 }, (_, index) => BigInt(index)),
    );
    assert.equal(fake.calls, 4);
  });

  it('prefetches the next block once 90% of the current one is used', async () => {
    const fake = controller(10);
    const manager = new ProducerIdManager(fake.allocate);
    for (let index = 0; index < 8; index += 1) await manager.generateProducerId();
    assert.equal(fake.calls, 1);
    await manager.generateProducerId();
    assert.equal(fake.calls, 2);
  });

  it('fails the calls that need a block while the controller fails, then recovers', async () => {
    const fake = controller(2);
    const manager = new ProducerIdManager(fake.allocate);
    fake.fail = true;
    await assert.rejects(manager.generateProducerId(), /controller unavailable/);
    fake.fail = false;
    assert.equal(await manager.generateProducerId(), 0n);
  });
});
