#!/usr/bin/env node
// The `pyralog` bin (dist/pyralog.js): runs the command's CommonJS bundle beside it, named like it
// with .cjs (dist/pyralog.cjs), from V8's code cache dist/pyralog.cjs.cache, which `npm run build`
// writes by starting a broker once (tools/build/bundle-cli.ts). WRITE_PYRALOG_CODE_CACHE=1 makes this run write the cache when the
// process exits, with every function compiled until then.
import { fileURLToPath } from 'node:url';
import { runCommonJsBundle } from './code-cache.js';

const bundle = fileURLToPath(import.meta.url).replace(/\.js$/, '.cjs');
const ran = runCommonJsBundle(bundle, `${bundle}.cache`);
if (process.env.WRITE_PYRALOG_CODE_CACHE === '1') process.once('exit', () => ran.saveCache());
