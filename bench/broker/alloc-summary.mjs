// Prints where a process allocated: the functions with the most sampled bytes (self), and the call
// paths (innermost frames) that allocated most, from a .heapprofile written by alloc-hook.mjs.
// Usage: node bench/broker/alloc-summary.mjs FILE.heapprofile [--top 25] [--depth 4]
import { readFileSync } from 'node:fs';

const [file] = process.argv.slice(2);
const option = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
};
const top = option('top', 25);
const depth = option('depth', 4);
const profile = JSON.parse(readFileSync(file, 'utf8'));

const bySelf = new Map();
const byPath = new Map();
let total = 0;
const add = (map, key, bytes) => map.set(key, (map.get(key) ?? 0) + bytes);
function frameName({ functionName, url, lineNumber }) {
  const where = url.replace(/^.*\/(dist|node_modules|src)\//, '$1/');
  return `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
}
(function walk(node, path) {
  const name = frameName(node.callFrame);
  const here = [...path, name];
  total += node.selfSize;
  if (node.selfSize > 0) {
    add(bySelf, name, node.selfSize);
    add(byPath, here.slice(-depth).reverse().join('  <  '), node.selfSize);
  }
  for (const child of node.children) walk(child, here);
})(profile.head, []);

const mb = (bytes) => (bytes / 1e6).toFixed(1).padStart(8);
const pct = (bytes) => `${((100 * bytes) / total).toFixed(1).padStart(5)}%`;
console.log(`sampled allocations: ${(total / 1e6).toFixed(1)} MB`);
console.log('\nby function (self):');
for (const [name, bytes] of [...bySelf].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${mb(bytes)} MB ${pct(bytes)}  ${name}`);
}
console.log(`\nby call path (innermost ${depth} frames):`);
for (const [name, bytes] of [...byPath].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${mb(bytes)} MB ${pct(bytes)}  ${name}`);
}
