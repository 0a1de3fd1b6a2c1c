// The Node flags a built launcher carries on its shebang line are what `node <launcher>` must be given
// to run it as the bin does (the same heap, so V8 accepts the code cache written under them).
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { launcherCommand, launcherNodeFlags } from './launcher-command.mjs';

const ROOT = new URL('..', import.meta.url).pathname;

describe('launcherCommand', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pyralog-launcher-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function launcher(firstLine: string): Promise<string> {
    const path = join(dir, `launcher-${Math.random().toString(36).slice(2)}.js`);
    await writeFile(path, `${firstLine}\nconsole.log(1);\n`);
    return path;
  }

  it('puts the flags of an `env -S node` line before the launcher', async () => {
    const path = await launcher('#!/usr/bin/env -S node --max-semi-space-size=32  --min-semi-space-size=32');
    assert.deepEqual(launcherCommand(path), ['--max-semi-space-size=32', '--min-semi-space-size=32', path]);
  });

  it('gives no flags for a plain node shebang (an older build)', async () => {
    assert.deepEqual(launcherNodeFlags(await launcher('#!/usr/bin/env node')), []);
  });

  it('refuses a file that is not a node launcher', async () => {
    assert.throws(() => launcherNodeFlags(join(ROOT, 'package.json')), /does not start with a node shebang/);
  });

  it("reads the shipped launcher's flags from its source (esbuild keeps the line)", () => {
    const flags = launcherNodeFlags(join(ROOT, 'src/cli/launcher.ts'));
    assert.ok(flags.includes('--max-semi-space-size=32'), flags.join(' '));
  });
});
