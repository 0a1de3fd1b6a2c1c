// RE2/J patterns as KIP-848 regex subscriptions use them: whole-name matches, RE2-only syntax translated,
// invalid patterns refused, internal topics never matched.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { compileTopicRegex, topicsMatching } from './topic-regex.js';

const names = ['orders', 'orders-eu', 'ORDERS-us', 'xorders', 'a.b', 'axb', '__consumer_offsets', 'pay2'];
const match = (pattern: string) => {
  const regex = compileTopicRegex(pattern);
  assert.ok(regex !== null, pattern);
  return topicsMatching(regex, names);
};

it('matches whole names only, as Matcher.matches() does', () => {
  assert.deepEqual(match('orders.*'), ['orders', 'orders-eu']);
  assert.deepEqual(match('orders|pay\\d'), ['orders', 'pay2']);
  assert.deepEqual(match('rders'), []);
});

it('translates RE2 syntax JavaScript lacks: inline flags, \\Q…\\E, (?P<name>), POSIX classes', () => {
  assert.deepEqual(match('(?i)orders-.*'), ['orders-eu', 'ORDERS-us']);
  assert.deepEqual(match('\\Qa.b\\E'), ['a.b']);
  assert.deepEqual(match('(?P<t>orders)'), ['orders']);
  assert.deepEqual(match('[[:alpha:]]+[[:digit:]]'), ['pay2']);
});

it('never matches internal topics and refuses patterns that do not compile', () => {
  assert.deepEqual(match('__.*'), []);
  assert.equal(compileTopicRegex('orders-('), null);
  assert.equal(compileTopicRegex('[z-a]'), null);
});
