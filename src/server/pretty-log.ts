// A small TTY formatter for pino's JSON lines, so `pyralog start` in a terminal reads like a log and
// not like JSON, without pino-pretty (a dozen dependencies and, as a transport, a worker thread that
// adds tens of ms to a start-up measured in ms). Not a general formatter: pipes get the JSON lines.
const LEVEL_NAMES: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};
const LEVEL_COLORS: Readonly<Record<number, string>> = {
  10: '\x1b[90m',
  20: '\x1b[36m',
  30: '\x1b[32m',
  40: '\x1b[33m',
  50: '\x1b[31m',
  60: '\x1b[41m',
};
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';
const OMITTED = new Set(['level', 'time', 'msg', 'component', 'pid', 'hostname']);

function fieldText(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value) ?? String(value);
}

/**
 * One pino JSON line as `HH:MM:SS.mmm LEVEL [component] message key=value …` (ANSI colours when
 * `colors`); an error's stack follows on its own lines. A line that is not JSON is returned as is.
 */
export function prettyLogLine(line: string, colors: boolean): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const level = typeof entry.level === 'number' ? entry.level : 30;
  const time =
    typeof entry.time === 'string' || typeof entry.time === 'number' ? new Date(entry.time) : new Date();
  const clock = Number.isNaN(time.getTime()) ? '--:--:--.---' : time.toISOString().slice(11, 23);
  const levelName = LEVEL_NAMES[level] ?? String(level);
  const paint = (code: string | undefined, text: string): string =>
    colors && code ? `${code}${text}${RESET}` : text;
  const component = typeof entry.component === 'string' ? ` ${paint(DIM, `[${entry.component}]`)}` : '';
  const fields: string[] = [];
  let stack = '';
  for (const [key, value] of Object.entries(entry)) {
    if (OMITTED.has(key)) continue;
    if (key === 'err' && typeof value === 'object' && value !== null && 'stack' in value) {
      stack = `\n${String((value as { stack: unknown }).stack)}`;
      continue;
    }
    fields.push(`${paint(DIM, `${key}=`)}${fieldText(value)}`);
  }
  const message = typeof entry.msg === 'string' ? entry.msg : '';
  const rest = fields.length === 0 ? '' : ` ${fields.join(' ')}`;
  return `${paint(DIM, clock)} ${paint(LEVEL_COLORS[level], levelName)}${component} ${message}${rest}${stack}\n`;
}

/** A pino destination that writes each line to `out` formatted by prettyLogLine. */
export function prettyDestination(
  out: NodeJS.WritableStream,
  colors: boolean,
): { write(line: string): void } {
  return { write: (line: string) => void out.write(prettyLogLine(line.trimEnd(), colors)) };
}
