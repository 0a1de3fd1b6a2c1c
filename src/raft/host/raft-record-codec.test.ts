// The snapshot file's encoding: written from the state machine's own buffer (no copy of what may be
// tens of MiB on the event loop), read back whole, CRC over header and data.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeSnapshot, encodeSnapshot } from './raft-record-codec.js';

describe('snapshot file encoding', () => {
  const data = new Uint8Array(Buffer.from('the whole state machine'));
  const snapshot = { index: 41, term: 7, config: { voters: [1, 2, 3], learners: [4] }, data };

  it("writes the data from the snapshot's own buffer and reads it back", () => {
    const chunks = encodeSnapshot({ snapshot, generation: 2 });
    assert.equal(chunks.length, 3);
    assert.equal(chunks[1]!.buffer, data.buffer, 'the data chunk is a view, not a copy');
    assert.equal(chunks[1]!.byteOffset, data.byteOffset);
    const decoded = decodeSnapshot(Buffer.concat(chunks));
    assert.ok(typeof decoded !== 'string', String(decoded));
    assert.equal(decoded.generation, 2);
    assert.deepEqual(
      { ...decoded.snapshot, data: Buffer.from(decoded.snapshot.data) },
      {
        ...snapshot,
        data: Buffer.from(data),
      },
    );
  });

  it('refuses a file whose data changed after its CRC was taken', () => {
    const bytes = Buffer.concat(encodeSnapshot({ snapshot, generation: 2 }));
    bytes[bytes.length - 6]! ^= 1;
    assert.equal(decodeSnapshot(bytes), 'a CRC mismatch');
  });
});
