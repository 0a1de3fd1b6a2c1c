import type { BrokerConfigName } from './broker-config-definitions.js';
import type { ConfigSetting } from './config-source.js';
import { parseProperties } from './properties-parser.js';

/** Environment variables named PYRALOG_<KEY> set broker configs. */
export const CONFIG_ENV_PREFIX = 'PYRALOG_';

/**
 * The config key of a PYRALOG_* variable, or undefined for other variables. After the prefix the
 * name is lower-cased and runs of underscores decode as in Confluent's Kafka images: `_` is `.`,
 * `__` is `_`, `___` is `-` (PYRALOG_LOG_DIRS → log.dirs, PYRALOG_MY__KEY → my_key,
 * PYRALOG_A___B → a-b). Longer runs are kept as underscores.
 */
export function configKeyOfEnv(name: string): string | undefined {
  if (!name.startsWith(CONFIG_ENV_PREFIX) || name.length === CONFIG_ENV_PREFIX.length) return undefined;
  return name
    .slice(CONFIG_ENV_PREFIX.length)
    .toLowerCase()
    .replace(/_+/g, (run) =>
      run.length === 1 ? '.' : run.length === 2 ? '_' : run.length === 3 ? '-' : run,
    );
}

/** The PYRALOG_* variable that sets `key` (the inverse of configKeyOfEnv). */
export function envNameOfConfig(key: string): string {
  return (
    CONFIG_ENV_PREFIX +
    key.replace(/[._-]/g, (char) => (char === '.' ? '_' : char === '_' ? '__' : '___')).toUpperCase()
  );
}

/** The settings of a server.properties text; `path` names the file in error messages. */
export function settingsFromProperties(text: string, path: string): ConfigSetting[] {
  return parseProperties(text).map((entry) => ({
    key: entry.key,
    value: entry.value,
    origin: 'file',
    where: `${path}:${entry.line}`,
  }));
}

/** PYRALOG_* variables that are not broker configs (read where they are used). */
const NOT_CONFIG_ENV: ReadonlySet<string> = new Set(['PYRALOG_API_LEDGER', 'PYRALOG_API_LEDGER_ORIGIN']);

/**
 * The settings of every PYRALOG_* variable of `env`, in name order (so the result is stable), but
 * the test-only PYRALOG_API_LEDGER and PYRALOG_API_LEDGER_ORIGIN (see api-ledger-file.ts).
 */
export function settingsFromEnv(env: Readonly<Record<string, string | undefined>>): ConfigSetting[] {
  const settings: ConfigSetting[] = [];
  for (const name of Object.keys(env).sort()) {
    if (NOT_CONFIG_ENV.has(name)) continue;
    const key = configKeyOfEnv(name);
    const value = env[name];
    if (key !== undefined && value !== undefined) settings.push({ key, value, origin: 'env', where: name });
  }
  return settings;
}

/** The named command-line flags of `pyralog start` and the config key each sets. */
export const NAMED_CONFIG_FLAGS = {
  nodeId: { flag: '--node-id', key: 'node.id' },
  listeners: { flag: '--listeners', key: 'listeners' },
  advertisedListeners: { flag: '--advertised-listeners', key: 'advertised.listeners' },
  logDirs: { flag: '--log-dirs', key: 'log.dirs' },
  storage: { flag: '--storage', key: 'pyralog.storage' },
  flushMode: { flag: '--flush-mode', key: 'pyralog.flush.mode' },
} as const satisfies Record<string, { flag: string; key: BrokerConfigName }>;
export type NamedConfigFlag = keyof typeof NAMED_CONFIG_FLAGS;

export interface ConfigFlags {
  /** `--override key=value`, repeatable, in command-line order. */
  readonly overrides?: readonly string[];
  readonly named?: Partial<Record<NamedConfigFlag, string>>;
}

/**
 * The settings of command-line flags: every `--override key=value` in order, then the named flags
 * (so `--node-id 2` beats `--override node.id=3`). An override without `=` or with an empty key is
 * returned in `malformed`, for the caller to report with the other problems.
 */
export function settingsFromFlags(flags: ConfigFlags): { settings: ConfigSetting[]; malformed: string[] } {
  const settings: ConfigSetting[] = [];
  const malformed: string[] = [];
  for (const override of flags.overrides ?? []) {
    const at = override.indexOf('=');
    const key = at < 0 ? '' : override.slice(0, at).trim();
    if (key === '') malformed.push(override);
    else settings.push({ key, value: override.slice(at + 1), origin: 'flag', where: `--override ${key}` });
  }
  for (const [name, value] of Object.entries(flags.named ?? {})) {
    const flag = NAMED_CONFIG_FLAGS[name as NamedConfigFlag];
    if (flag !== undefined && value !== undefined) {
      settings.push({ key: flag.key, value, origin: 'flag', where: flag.flag });
    }
  }
  return { settings, malformed };
}
