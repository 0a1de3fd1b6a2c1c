// Proves the key-value state machine: puts replace values, a snapshot restores the same map (and a
// truncated one is refused), a large snapshot is copied with the event loop running between slices yet
// holds the state of its call, and put commands round-trip through their byte layout.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodePut, encodePut, KvStateMachine } from './kv-state-machine.js';

const put = (index: number, key: string, value: string) =>
  ({ kind: 'command', index, term: 1, data: encodePut(Buffer.from(key), Buffer.from(value)) }) as const;

describe('KvStateMachine', () => {
  it('applies puts, snapshots and restores the same map', async () => {
    const machine = new KvStateMachine();
    machine.apply(put(1, 'a', '1'));
    machine.apply(put(2, 'b', ''));
    machine.apply(put(3, 'a', '3'));
    assert.equal(Buffer.from(machine.get(Buffer.from('a'))!).toString(), '3');
    const copy = new KvStateMachine();
    copy.restore(await machine.snapshot());
    assert.equal(copy.size, 2);
    assert.equal(Buffer.from(copy.get(Buffer.from('a'))!).toString(), '3');
    assert.equal(copy.get(Buffer.from('b'))?.byteLength, 0);
    assert.equal(copy.get(Buffer.from('c')), undefined);
    copy.restore(undefined);
    assert.equal(copy.size, 0);
  });

  it('refuses a truncated snapshot and a short command', async () => {
    const machine = new KvStateMachine();
    machine.apply(put(1, 'key', 'value'));
    const snapshot = await machine.snapshot();
    assert.throws(
      () => new KvStateMachine().restore(snapshot.subarray(0, snapshot.byteLength - 1)),
      /truncated/,
    );
    assert.throws(() => decodePut(Buffer.from([0, 5, 1])), /shorter than its key/);
    const decoded = decodePut(encodePut(Buffer.from('k'), Buffer.alloc(16_384, 1)));
    assert.equal(decoded.key.toString(), 'k');
    assert.equal(decoded.value.length, 16_384);
  });

  it('copies a large snapshot in slices, the event loop running between them, with the state of its call', async () => {
    const machine = new KvStateMachine();
    const value = 'v'.repeat(16 * 1024);
    for (let i = 0; i < 256; i++) machine.apply(put(i + 1, `k${i}`, value));
    const taking = machine.snapshot();
    machine.apply(put(257, 'k0', 'applied after the snapshot was asked'));
    machine.apply(put(258, 'new', 'x'));
    let ranBetween = false;
    setImmediate(() => {
      ranBetween = true;
    });
    const copy = new KvStateMachine();
    copy.restore(await taking);
    assert.ok(ranBetween, '4 MiB are not copied in one turn of the event loop');
    assert.equal(copy.size, 256);
    assert.equal(Buffer.from(copy.get(Buffer.from('k0'))!).toString(), value);
    assert.equal(copy.get(Buffer.from('new')), undefined);
  });
});
