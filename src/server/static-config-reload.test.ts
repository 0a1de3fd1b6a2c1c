// planStaticReload: which changed keys of a re-read server.properties apply live and which wait for a restart.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyStaticChanges, planStaticReload } from './static-config-reload.js';

test('dynamic keys (set, changed, removed) apply; read-only and unknown keys do not', () => {
  const current = {
    'log.retention.ms': '1000',
    'log.segment.bytes': '1048576',
    listeners: 'PLAINTEXT://:1',
    x: 'a',
  };
  const next = {
    'log.retention.ms': '2000',
    'message.max.bytes': '5000',
    listeners: 'PLAINTEXT://:2',
    x: 'b',
  };
  const plan = planStaticReload(current, next);
  assert.deepEqual(plan.dynamic, [
    { key: 'log.retention.ms', from: '1000', to: '2000' },
    { key: 'log.segment.bytes', from: '1048576', to: null },
    { key: 'message.max.bytes', from: null, to: '5000' },
  ]);
  assert.deepEqual(plan.readOnly, [{ key: 'listeners', from: 'PLAINTEXT://:1', to: 'PLAINTEXT://:2' }]);
  const properties: Record<string, string> = { ...current };
  applyStaticChanges(properties, plan.dynamic);
  assert.deepEqual(properties, {
    'log.retention.ms': '2000',
    'message.max.bytes': '5000',
    listeners: 'PLAINTEXT://:1',
    x: 'a',
  });
});

test('an unchanged reading plans nothing', () => {
  const same = { 'log.retention.ms': '1000' };
  assert.deepEqual(planStaticReload(same, { ...same }), { dynamic: [], readOnly: [] });
});
