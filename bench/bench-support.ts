// Small pieces every TypeScript bench uses: its command-line options and percentiles of samples.

/** The value after `--<name>` on the command line, or `fallback` when absent. */
export function argument(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : (process.argv[at + 1] ?? fallback);
}

/** The `p`th percentile (0-100) of ascending `sorted` samples (nearest rank below); NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
