#!/usr/bin/env -S node --max-semi-space-size=32 --min-semi-space-size=32
// The `pyralog` bin (dist/pyralog.js): runs the command's CommonJS bundle beside it, named like it
// with .cjs (dist/pyralog.cjs), from V8's code cache dist/pyralog.cjs.cache, which `npm run build`
// writes by starting a broker once (tools/build/bundle-cli.ts). WRITE_PYRALOG_CODE_CACHE=1 makes this run write the cache when the
// process exits, with every function compiled until then.
// The Node flags on the first line are the broker's: a 32 MiB young generation from the start, so a
// steady produce load scavenges half as often (README, "V8's young generation"). V8 reads them only
// at process start, hence here; whoever runs this file through `node` itself takes them from this
// line (tools/launcher-command.mjs), and so does the build that writes the code cache, which V8
// rejects when written under other heap flags.
import { fileURLToPath } from 'node:url';
import { runCommonJsBundle } from './code-cache.js';

const bundle = fileURLToPath(import.meta.url).replace(/\.js$/, '.cjs');
const ran = runCommonJsBundle(bundle, `${bundle}.cache`);
if (process.env.WRITE_PYRALOG_CODE_CACHE === '1') process.once('exit', () => ran.saveCache());
