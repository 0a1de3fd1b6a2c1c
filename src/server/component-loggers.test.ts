// ComponentLoggers: each component logs through its own child with its own level, changed at runtime.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { ComponentLoggers } from './component-loggers.js';

function capture(): { lines: Record<string, unknown>[]; stream: { write(line: string): void } } {
  const lines: Record<string, unknown>[] = [];
  return {
    lines,
    stream: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  };
}

test('a component turned to debug logs debug lines tagged with it; the others stay at the root level', () => {
  const { lines, stream } = capture();
  const loggers = new ComponentLoggers(pino({ level: 'info' }, stream));
  loggers.get('request').debug({ api: 'Produce' }, 'request');
  assert.equal(lines.length, 0);
  assert.equal(loggers.setLevel('request', 'debug'), true);
  loggers.get('request').debug({ api: 'Produce' }, 'request');
  loggers.get('storage').debug('not logged');
  assert.deepEqual(
    lines.map((l) => [l.component, l.msg, l.api]),
    [['request', 'request', 'Produce']],
  );
  assert.equal(loggers.levels().request, 'debug');
  assert.equal(loggers.levels().storage, 'info');
});

test('an unknown component is refused', () => {
  const loggers = new ComponentLoggers(pino({ level: 'silent' }));
  assert.equal(loggers.setLevel('nope', 'debug'), false);
});
