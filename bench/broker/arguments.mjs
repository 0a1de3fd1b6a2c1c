// Command-line options of the plain-JS benches (bench/broker, bench/cli): `--name value`, repeatable
// `--name value` and bare `--name` flags.

/** The value after `--name`, or `fallback` when absent. */
export function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : process.argv[at + 1];
}

/** Every value given with `--name` (a repeatable option), in order. */
export function options(name) {
  const found = [];
  process.argv.forEach((arg, at) => {
    if (arg === `--${name}` && process.argv[at + 1] !== undefined) found.push(process.argv[at + 1]);
  });
  return found;
}

/** Whether the bare `--name` was given. */
export const flag = (name) => process.argv.includes(`--${name}`);
