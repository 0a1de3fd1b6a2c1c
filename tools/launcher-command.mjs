// Node's arguments that run a built `pyralog` launcher (dist/pyralog.js, or a test's bundle in tmp/)
// as its bin does: the Node flags of its `#!/usr/bin/env -S node ...` line, then its path. The kernel
// applies that line only when the file itself is executed; a process started as `node <launcher>`
// must pass them, or it runs with another heap and V8 rejects the code cache written under them.
// Plain JavaScript (typed by launcher-command.d.mts): the plain-JS benches use it too.
import { readFileSync } from 'node:fs';

/** The Node flags on `launcher`'s first line (none for a plain `#!/usr/bin/env node`). */
export function launcherNodeFlags(launcher) {
  const first = readFileSync(launcher, 'utf8').split('\n', 1)[0] ?? '';
  const match = /^#!\/usr\/bin\/env (?:-S )?node(.*)$/.exec(first);
  if (match === null) throw new Error(`${launcher} does not start with a node shebang: ${first}`);
  return match[1].split(' ').filter((flag) => flag !== '');
}

/** `[...flags, launcher]`: what follows `node` to run the launcher as its bin does. */
export function launcherCommand(launcher) {
  return [...launcherNodeFlags(launcher), launcher];
}
