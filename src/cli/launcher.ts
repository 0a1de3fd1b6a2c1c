#!/usr/bin/env node
// The `pyralog` bin (dist/pyralog-launcher.cjs): runs the command's bundle beside it, dist/pyralog.cjs,
// from V8's code cache dist/pyralog.cjs.cache, which `npm run build` writes by starting a broker once
// (tools/build/bundle-cli.ts). CommonJS, because Node starts a CommonJS entry ~15 ms of CPU sooner
// than an ES module (it never loads its ES module loader); dist/pyralog.js, an ES module that imports
// this file, stays for `node dist/pyralog.js`. WRITE_PYRALOG_CODE_CACHE=1 makes this run write the
// cache when the process exits, with every function compiled until then.
import { fileURLToPath } from 'node:url';
import { runCommonJsBundle } from './code-cache.js';

const bundle = fileURLToPath(import.meta.url).replace(/-launcher\.cjs$/, '.cjs');
const ran = runCommonJsBundle(bundle, `${bundle}.cache`);
if (process.env.WRITE_PYRALOG_CODE_CACHE === '1') process.once('exit', () => ran.saveCache());
