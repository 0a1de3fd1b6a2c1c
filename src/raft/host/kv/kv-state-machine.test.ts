// Proves the key-value state machine: puts replace values, a snapshot restores the same map (and a
// truncated one is refused), and put commands round-trip through their byte layout.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodePut, encodePut, KvStateMachine } from './kv-state-machine.js';

const put = (index: number, key: string, value: string) =>
  ({ kind: 'command', index, term: 1, data: encodePut(Buffer.from(key), Buffer.from(value)) }) as const;

describe('KvStateMachine', () => {
  it('applies puts, snapshots and restores the same map', () => {
    const machine = new KvStateMachine();
    machine.apply(put(1, 'a', '1'));
    machine.apply(put(2, 'b', ''));
    machine.apply(put(3, 'a', '3'));
    assert.equal(Buffer.from(machine.get(Buffer.from('a'))!).toString(), '3');
    const copy = new KvStateMachine();
    copy.restore(machine.snapshot());
    assert.equal(copy.size, 2);
    assert.equal(Buffer.from(copy.get(Buffer.from('a'))!).toString(), '3');
    assert.equal(copy.get(Buffer.from('b'))?.byteLength, 0);
    assert.equal(copy.get(Buffer.from('c')), undefined);
    copy.restore(undefined);
    assert.equal(copy.size, 0);
  });

  it('refuses a truncated snapshot and a short command', () => {
    const machine = new KvStateMachine();
    machine.apply(put(1, 'key', 'value'));
    const snapshot = machine.snapshot();
    assert.throws(
      () => new KvStateMachine().restore(snapshot.subarray(0, snapshot.byteLength - 1)),
      /truncated/,
    );
    assert.throws(() => decodePut(Buffer.from([0, 5, 1])), /shorter than its key/);
    const decoded = decodePut(encodePut(Buffer.from('k'), Buffer.alloc(16_384, 1)));
    assert.equal(decoded.key.toString(), 'k');
    assert.equal(decoded.value.length, 16_384);
  });
});
