// parseAdminListener: the accepted shapes of `admin.listener` and the refused ones.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAdminListener } from './admin-listener.js';

test('host:port, [ipv6]:port and :port parse; empty and none disable', () => {
  assert.deepEqual(parseAdminListener('localhost:9644'), { host: 'localhost', port: 9644 });
  assert.deepEqual(parseAdminListener('[::1]:0'), { host: '::1', port: 0 });
  assert.deepEqual(parseAdminListener(':9644'), { host: '0.0.0.0', port: 9644 });
  assert.equal(parseAdminListener(''), null);
  assert.equal(parseAdminListener(' none '), null);
});

test('a missing port, a port above 65535 or a URL is refused with the value in the message', () => {
  assert.throws(() => parseAdminListener('localhost'), /host:port.*'localhost'/);
  assert.throws(() => parseAdminListener('localhost:70000'), /70000 is above 65535/);
  assert.throws(() => parseAdminListener('http://localhost:9644'), /host:port/);
});
