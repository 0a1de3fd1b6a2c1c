import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Metafile } from 'esbuild';
import { bundledPackages, licenseNotice } from './bundles.js';

function metafile(inputs: readonly string[]): Metafile {
  return { inputs: Object.fromEntries(inputs.map((path) => [path, { bytes: 1, imports: [] }])), outputs: {} };
}

describe('bundledPackages', () => {
  it('names each npm package once, scoped or not, with its directory; our own files are none', () => {
    const packages = bundledPackages(
      metafile([
        'src/cli/main.ts',
        'node_modules/commander/index.js',
        'node_modules/commander/lib/command.js',
        '../../main/node_modules/@pinojs/redact/index.js',
        'node_modules/pino/node_modules/sonic-boom/index.js',
      ]),
    );
    assert.deepEqual(
      [...packages],
      [
        ['commander', 'node_modules/commander'],
        ['@pinojs/redact', '../../main/node_modules/@pinojs/redact'],
        ['sonic-boom', 'node_modules/pino/node_modules/sonic-boom'],
      ],
    );
  });
});

describe('licenseNotice', () => {
  it('lists every package by name with its license text, sorted by name', () => {
    const notice = licenseNotice(
      new Map([
        ['pino', 'node_modules/pino'],
        ['commander', 'node_modules/commander'],
      ]),
      (dir) => `MIT License for ${dir}\n\n`,
    );
    assert.equal(
      notice,
      'Third-party packages bundled into this file, with their licenses.\n\n' +
        'commander\n---------\nMIT License for node_modules/commander\n\n' +
        'pino\n----\nMIT License for node_modules/pino\n',
    );
  });
});
