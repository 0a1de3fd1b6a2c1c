// prettyLogLine: pino's JSON lines become one readable line each, with fields and error stacks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prettyLogLine } from './pretty-log.js';

test('time, level, component, message and the other fields, without colours', () => {
  const line = JSON.stringify({
    level: 40,
    time: '2026-11-22T09:15:02.123Z',
    pid: 7,
    component: 'config',
    msg: 'config changed',
    key: 'log.retention.ms',
    from: '1000',
    to: 'two words',
  });
  assert.equal(
    prettyLogLine(line, false),
    '09:15:02.123 WARN  [config] config changed key=log.retention.ms from=1000 to="two words"\n',
  );
});

test('an error stack goes on the following lines; colours wrap the level', () => {
  const line = JSON.stringify({
    level: 50,
    time: 0,
    msg: 'boom',
    err: { type: 'Error', stack: 'Error: boom\n    at x' },
  });
  assert.equal(prettyLogLine(line, false), '00:00:00.000 ERROR boom\nError: boom\n    at x\n');
  assert.ok(prettyLogLine(line, true).includes('\u001b[31mERROR\u001b[0m'));
});

test('a line that is not JSON passes through', () => {
  assert.equal(prettyLogLine('plain text', false), 'plain text\n');
});
