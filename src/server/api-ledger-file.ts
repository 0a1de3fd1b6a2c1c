import { randomBytes } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { ApiLedger, type ApiLedgerEntry } from '../broker/index.js';

/**
 * TEST ONLY: the environment variable naming a directory where every broker started in this
 * process or its children (`pyralog start` inherits it) appends the APIs and versions its clients
 * used, for tools/compat-ledger.ts. Read by startBroker itself, not a broker config.
 */
export const API_LEDGER_ENV = 'PYRALOG_API_LEDGER';
/** Set by the ledger script to the test file being run, so that entries name the test behind them. */
export const API_LEDGER_ORIGIN_ENV = 'PYRALOG_API_LEDGER_ORIGIN';

/** A file-backed ledger: JSON lines, one per distinct entry, in `<dir>/ledger-<pid>-<random>.jsonl`. */
export interface FileApiLedger {
  readonly ledger: ApiLedger;
  /** Resolves once every entry recorded so far is in the file. */
  flush(): Promise<void>;
}

/** The ledger PYRALOG_API_LEDGER asks for, or undefined when it is not set. */
export function apiLedgerFromEnv(env: NodeJS.ProcessEnv = process.env): FileApiLedger | undefined {
  const dir = env[API_LEDGER_ENV];
  if (dir === undefined || dir === '') return undefined;
  const origin = env[API_LEDGER_ORIGIN_ENV] ?? relative(process.cwd(), process.argv[1] ?? '');
  const path = join(dir, `ledger-${process.pid}-${randomBytes(4).toString('hex')}.jsonl`);
  let writes: Promise<void> = mkdir(dir, { recursive: true }).then(() => undefined);
  const ledger = new ApiLedger((entry: ApiLedgerEntry) => {
    const line = `${JSON.stringify({ ...entry, origin })}\n`;
    writes = writes.then(() => appendFile(path, line)).catch(() => undefined);
  });
  return { ledger, flush: () => writes };
}
