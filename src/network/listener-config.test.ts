// Proves that `listeners`, `advertised.listeners` and `listener.security.protocol.map` parse in Kafka's
// format (names normalised, empty and bracketed IPv6 hosts, custom names through the map) and that
// every malformed value fails with a ListenerConfigError naming the problem.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ListenerConfigError,
  parseListeners,
  parseSecurityProtocolMap,
  resolveAdvertisedListeners,
} from './listener-config.js';

describe('listener config', () => {
  it('parses several listeners with custom names mapped to protocols', () => {
    const map = parseSecurityProtocolMap('internal:plaintext, EXTERNAL:SASL_SSL');
    const listeners = parseListeners('INTERNAL://:9092,external://[::1]:9093', map);
    assert.deepEqual(listeners, [
      { name: 'INTERNAL', host: '', port: 9092, securityProtocol: 'PLAINTEXT' },
      { name: 'EXTERNAL', host: '::1', port: 9093, securityProtocol: 'SASL_SSL' },
    ]);
  });

  it('uses Kafka default protocol map when none is given', () => {
    assert.deepEqual(parseListeners('PLAINTEXT://localhost:0'), [
      { name: 'PLAINTEXT', host: 'localhost', port: 0, securityProtocol: 'PLAINTEXT' },
    ]);
    assert.equal(parseSecurityProtocolMap().get('SSL'), 'SSL');
  });

  for (const [value, fragment] of [
    ['PLAINTEXT://localhost', 'NAME://host:port'],
    ['PLAINTEXT://localhost:70000', 'outside 0-65535'],
    ['OTHER://localhost:1', 'no entry in listener.security.protocol.map'],
    ['PLAINTEXT://a:1,PLAINTEXT://b:2', 'given twice'],
    ['PLAINTEXT://a:1,SSL://b:1', 'used by two listeners'],
    ['', 'no listener given'],
  ] as const) {
    it(`rejects listeners '${value}'`, () => {
      assert.throws(
        () => parseListeners(value),
        (error: unknown) => error instanceof ListenerConfigError && error.message.includes(fragment),
      );
    });
  }

  it('rejects a malformed or unknown protocol map entry', () => {
    assert.throws(() => parseSecurityProtocolMap('A'), ListenerConfigError);
    assert.throws(() => parseSecurityProtocolMap('A:TLS'), /unknown security protocol 'TLS'/);
    assert.throws(() => parseSecurityProtocolMap('A:SSL,a:SSL'), /given twice/);
  });

  it('advertises bound ports for port 0 and a default host for wildcard listeners', () => {
    const listeners = parseListeners('PLAINTEXT://:0,SSL://10.0.0.1:9093');
    const bound = new Map([
      ['PLAINTEXT', { port: 40001 }],
      ['SSL', { port: 9093 }],
    ]);
    assert.deepEqual(resolveAdvertisedListeners(listeners, undefined, bound, 'localhost'), [
      { name: 'PLAINTEXT', host: 'localhost', port: 40001, securityProtocol: 'PLAINTEXT' },
      { name: 'SSL', host: '10.0.0.1', port: 9093, securityProtocol: 'SSL' },
    ]);
    const advertised = parseListeners('PLAINTEXT://broker-1:0', undefined, 'advertised.listeners');
    assert.deepEqual(resolveAdvertisedListeners(listeners, advertised, bound, 'localhost'), [
      { name: 'PLAINTEXT', host: 'broker-1', port: 40001, securityProtocol: 'PLAINTEXT' },
    ]);
  });

  it('refuses to advertise a wildcard host or an unknown listener', () => {
    const listeners = parseListeners('PLAINTEXT://:9092');
    const bound = new Map([['PLAINTEXT', { port: 9092 }]]);
    const wildcard = parseListeners('PLAINTEXT://0.0.0.0:9092', undefined, 'advertised.listeners');
    assert.throws(() => resolveAdvertisedListeners(listeners, wildcard, bound, 'x'), /cannot reach/);
    const unknown = parseListeners('SSL://host:1', undefined, 'advertised.listeners');
    assert.throws(
      () => resolveAdvertisedListeners(listeners, unknown, bound, 'x'),
      /not one of the listeners/,
    );
  });
});
