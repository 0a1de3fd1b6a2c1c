import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Metafile } from 'esbuild';
import { asciiOnly, bundledPackages, licenseNotice } from './bundles.js';

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

describe('asciiOnly', () => {
  it('replaces each non-ASCII UTF-16 unit by one `?` and leaves ASCII alone', () => {
    assert.equal(
      asciiOnly('/** offset \u2192 position, caf\u00e9 \u{1F600} */ x = "\\u2192";\n'),
      '/** offset ? position, caf? ?? */ x = "\\u2192";\n',
    );
    const ascii = 'const a = 1; // plain\n';
    assert.equal(asciiOnly(ascii), ascii);
  });
});
