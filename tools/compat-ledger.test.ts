// Checks docs/compatibility.md against the broker: every API it lists is served, with no version
// outside what SUPPORTED_APIS serves, so the ledger never claims more than ApiVersions advertises;
// and the renderer lists served versions that no real client used as such, leaving out Pyralog's
// own test connection.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { SUPPORTED_APIS } from '../src/broker/index.js';
import { type LedgerLine, renderLedger } from './compat-ledger-render.js';

const DOC = new URL('../docs/compatibility.md', import.meta.url);

function versionsOf(cell: string): number[] {
  return cell
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .flatMap((part) => {
      const [from, to] = part.split('-').map(Number) as [number, number | undefined];
      return Array.from({ length: (to ?? from) - from + 1 }, (_, i) => from + i);
    });
}

/** The table rows of the ledger: cells split, header and separator dropped. */
function tableRows(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((line) => /^\| [A-Za-z]+ \| \d+ \|/.test(line))
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
}

describe('compatibility ledger', () => {
  it('lists only served APIs, and no version beyond what is served', async () => {
    const rows = tableRows(await readFile(DOC, 'utf8'));
    assert.ok(rows.length > 0, 'docs/compatibility.md has a table');
    for (const [name, key, ...cells] of rows) {
      const range = SUPPORTED_APIS.get(Number(key) as never);
      assert.ok(range !== undefined, `${name} (key ${key}) is listed but not served`);
      for (const cell of cells) {
        for (const version of versionsOf(cell)) {
          assert.ok(version >= range.min && version <= range.max, `${name} v${version} is not served`);
        }
      }
    }
  });

  it('renders served versions without a real client as unused and ignores our own connection', () => {
    const line = (apiVersion: number, extra: Partial<LedgerLine>): LedgerLine => ({
      apiKey: 0,
      apiVersion,
      served: true,
      clientId: 'it',
      clientSoftwareName: null,
      clientSoftwareVersion: null,
      firstApiVersions: 2,
      origin: 'test/integration/kafkajs-x.test.ts',
      ...extra,
    });
    const markdown = renderLedger(
      new Map([[0, { min: 3, max: 9 }]]),
      [
        line(7, {}),
        line(8, { firstApiVersions: null, clientId: 'pyralog' }),
        line(9, { clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2', firstApiVersions: 3 }),
        line(12, { served: false }),
      ],
      ['test/integration/kafkajs-x.test.ts'],
    );
    const [row] = tableRows(markdown);
    assert.deepEqual(row, ['Produce', '0', '3-9', '7', '9', '3-6, 8']);
    assert.match(markdown, /- KafkaJS: Produce v12/);
    assert.match(markdown, /- kcat \(librdkafka\) \(2\.0\.2\)/);
  });
});
