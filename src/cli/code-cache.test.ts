import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCommonJsBundle } from './code-cache.js';

// A bundle that proves it ran as CommonJS: it requires a Node module, sees its own file name and
// directory, and exports through module.exports; it counts its runs on globalThis.
const BUNDLE = `const { basename } = require('node:path');
globalThis.codeCacheRuns = (globalThis.codeCacheRuns ?? 0) + 1;
globalThis.codeCacheSeen = [basename(__filename), __dirname, typeof exports, typeof module.exports];
function square(n) { return n * n; }
globalThis.codeCacheSquare = square(7);
`;

declare global {
  var codeCacheRuns: number | undefined;
  var codeCacheSeen: unknown[] | undefined;
  var codeCacheSquare: number | undefined;
  var codeCacheText: string | undefined;
}

// V8 keeps every compiled script of this process in its own cache, keyed by source and file name:
// each run below uses a new file name, so that V8 consults the code cache it is given.
describe('runCommonJsBundle', () => {
  let dir: string;
  let cache: string;
  let files = 0;
  async function bundleFile(source = BUNDLE): Promise<string> {
    files += 1;
    const path = join(dir, `bundle-${files}.cjs`);
    await writeFile(path, source);
    return path;
  }
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pyralog-code-cache-'));
    cache = join(dir, 'bundle.cjs.cache');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
    globalThis.codeCacheRuns = undefined;
    globalThis.codeCacheSeen = undefined;
    globalThis.codeCacheSquare = undefined;
    globalThis.codeCacheText = undefined;
  });

  it('runs the file as CommonJS without a cache, then with the cache it wrote, which V8 accepts', async () => {
    const first = runCommonJsBundle(await bundleFile(), cache);
    assert.equal(first.cacheAccepted, false);
    assert.deepEqual(globalThis.codeCacheSeen, ['bundle-1.cjs', dir, 'object', 'object']);
    assert.equal(globalThis.codeCacheSquare, 49);
    first.saveCache();
    assert.ok((await readFile(cache)).length > 0);

    const second = runCommonJsBundle(await bundleFile(), cache);
    assert.equal(second.cacheAccepted, true);
    assert.deepEqual(globalThis.codeCacheSeen, ['bundle-2.cjs', dir, 'object', 'object']);
    assert.equal(globalThis.codeCacheRuns, 2);
  });

  it('reads a file that is not ASCII as UTF-8', async () => {
    runCommonJsBundle(
      await bundleFile(`${BUNDLE}globalThis.codeCacheText = 'caf\u00e9 \u2192 \u{1F600}';\n`),
      cache,
    );
    assert.equal(globalThis.codeCacheText, 'caf\u00e9 \u2192 \u{1F600}');
  });

  it('runs the file when the cache is corrupt or belongs to another source: V8 rejects it', async () => {
    const runs = globalThis.codeCacheRuns ?? 0;
    await writeFile(cache, Buffer.alloc(4096, 0x5a));
    assert.equal(runCommonJsBundle(await bundleFile(), cache).cacheAccepted, false);
    runCommonJsBundle(
      await bundleFile(`${BUNDLE}globalThis.codeCacheSquare = square(8);\n`),
      cache,
    ).saveCache();
    assert.equal(globalThis.codeCacheSquare, 64);
    assert.equal(runCommonJsBundle(await bundleFile(), cache).cacheAccepted, false);
    assert.equal(globalThis.codeCacheSquare, 49);
    assert.equal(globalThis.codeCacheRuns, runs + 3);
  });
});
