// A progress bar on stderr (cli-progress) for produce from a file and bench, only on a terminal:
// piped or redirected stderr gets nothing, so that scripts read clean output.
import cliProgress from 'cli-progress';

export interface ProgressBar {
  /** Moves the bar to `value` (of the total); cheap enough to call per record. */
  update(value: number): void;
  stop(): void;
}

const SILENT: ProgressBar = { update() {}, stop() {} };

/**
 * A bar counting to `total` `unit`s on `stream`, or a silent one when the stream is not a TTY.
 * Redraws at most 10 times a second.
 */
export function progressBar(
  total: number,
  unit: string,
  stream: NodeJS.WriteStream = process.stderr,
): ProgressBar {
  if (stream.isTTY !== true) return SILENT;
  const bar = new cliProgress.SingleBar(
    {
      format: `{bar} {percentage}% | {value}/{total} ${unit} | {duration_formatted} elapsed, eta {eta_formatted}`,
      stream,
      hideCursor: true,
      clearOnComplete: true,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  let last = 0;
  return {
    update(value) {
      // cli-progress formats on every update; skip updates between redraws.
      const now = performance.now();
      if (now - last < 100 && value < total) return;
      last = now;
      bar.update(value);
    },
    stop() {
      bar.stop();
    },
  };
}
