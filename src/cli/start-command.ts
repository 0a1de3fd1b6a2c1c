import { readFile } from 'node:fs/promises';
import { type Logger, pino } from 'pino';
import {
  type BrokerConfig,
  BrokerConfigError,
  isLogLevel,
  LOG_LEVELS,
  loadBrokerConfig,
  type NamedConfigFlag,
  prettyDestination,
  type RunningBroker,
  startBroker,
} from '../server/index.js';
import { VERSION } from '../version.js';

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export interface StartCommandOptions {
  readonly config?: string;
  readonly override?: readonly string[];
  readonly nodeId?: string;
  readonly listeners?: string;
  readonly advertisedListeners?: string;
  readonly logDirs?: string;
  readonly storage?: string;
  readonly flushMode?: string;
  readonly logFormat?: string;
  readonly logLevel?: string;
}

const NAMED: readonly NamedConfigFlag[] = [
  'nodeId',
  'listeners',
  'advertisedListeners',
  'logDirs',
  'storage',
  'flushMode',
];

/**
 * `pyralog start`: resolves the configuration (defaults < --config file < PYRALOG_* env < flags),
 * starts the broker, logs one `ready` line (version, listeners, data dirs, time to ready) and stops
 * cleanly on SIGINT or SIGTERM (a second signal exits at once). Exit code 1 on a configuration or
 * start-up error, with every problem printed.
 */
export async function runStart(options: StartCommandOptions): Promise<void> {
  const startedAt = performance.now();
  const logger = createLogger(options);
  if (logger === undefined) return;
  let config: ReturnType<typeof loadBrokerConfig>;
  try {
    config = await readConfig(options);
  } catch (error: unknown) {
    if (!(error instanceof BrokerConfigError) && !(error instanceof Error && 'code' in error)) throw error;
    process.stderr.write(`pyralog start: ${error.message}\n`);
    process.exitCode = 1;
    return;
  }
  for (const warning of config.warnings) logger.warn(warning);
  let broker: Awaited<ReturnType<typeof startBroker>>;
  try {
    broker = await startBroker({ brokerConfig: config, logger });
  } catch (error: unknown) {
    logger.error(
      { err: error },
      `pyralog start failed: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exitCode = 1;
    return;
  }
  const onHangup = (): void => void reload(options, broker, logger);
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting without a clean shutdown');
      process.exit(1);
    }
    logger.info({ signal }, 'shutting down');
    broker.stop().then(
      () => {
        logger.info('stopped');
        process.exitCode = 0;
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
        process.removeListener('SIGHUP', onHangup);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  // Before the ready line: whoever waits for it may signal at once, and a signal with no handler
  // yet would end the process without a clean shutdown.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onHangup);
  const listeners = broker.listeners.map((l) => `${l.name}://${l.host}:${l.port}`);
  const readyMs = Math.round(performance.now() - startedAt);
  logger.info(
    {
      version: VERSION,
      nodeId: broker.nodeId,
      clusterId: broker.clusterId,
      listeners,
      bootstrap: broker.bootstrap,
      ...(broker.admin === null ? {} : { admin: `http://${hostPort(broker.admin.host, broker.admin.port)}` }),
      logDirs: broker.logDirs,
      storage: config.values['pyralog.storage'],
      readyMs,
    },
    `pyralog ${VERSION} ready in ${readyMs} ms: ${listeners.join(', ')}; data in ${broker.logDirs.join(', ')}`,
  );
}

/** The root logger: JSON lines, or one readable line each on a terminal (`--log-format`). */
function createLogger(options: StartCommandOptions): Logger | undefined {
  const format = options.logFormat ?? 'auto';
  const level = options.logLevel ?? 'info';
  if (!['auto', 'json', 'pretty'].includes(format) || !isLogLevel(level)) {
    process.stderr.write(
      `pyralog start: --log-format must be auto, json or pretty and --log-level one of ${LOG_LEVELS.join(', ')}\n`,
    );
    process.exitCode = 2;
    return undefined;
  }
  const pretty = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
  const settings = { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime };
  return pretty
    ? pino(settings, prettyDestination(process.stdout, process.stdout.isTTY === true))
    : pino(settings);
}

/** Resolves the configuration: defaults < --config file < PYRALOG_* env < flags. */
async function readConfig(options: StartCommandOptions): Promise<BrokerConfig> {
  const properties =
    options.config === undefined
      ? undefined
      : { text: await readFile(options.config, 'utf8'), path: options.config };
  const named: Partial<Record<NamedConfigFlag, string>> = {};
  for (const name of NAMED) {
    const value = options[name];
    if (value !== undefined) named[name] = value;
  }
  return loadBrokerConfig({
    ...(properties === undefined ? {} : { properties }),
    env: process.env,
    flags: { overrides: options.override ?? [], named },
  });
}

/**
 * SIGHUP: re-reads server.properties (with the same environment and flags above it) and applies
 * its changed dynamic keys; logs each change, the read-only keys that wait for a restart, or why
 * nothing was applied. The broker keeps running whatever the file holds.
 */
async function reload(options: StartCommandOptions, broker: RunningBroker, logger: Logger): Promise<void> {
  const log = broker.loggers.get('config');
  if (options.config === undefined) {
    log.warn({ signal: 'SIGHUP' }, 'SIGHUP: started without --config, no server.properties to re-read');
    return;
  }
  let next: BrokerConfig;
  try {
    next = await readConfig(options);
  } catch (error: unknown) {
    log.error(
      { signal: 'SIGHUP', err: error },
      `SIGHUP: ${options.config} not applied: ${errorMessage(error)}`,
    );
    return;
  }
  const result = broker.reloadConfig(next);
  if (result.refused !== null) {
    log.error(
      { signal: 'SIGHUP', problem: result.refused },
      `SIGHUP: ${options.config} not applied: ${result.refused}`,
    );
    return;
  }
  for (const change of result.applied)
    log.info({ signal: 'SIGHUP', ...change }, `config ${change.key} changed`);
  for (const change of result.needRestart)
    log.warn(
      { signal: 'SIGHUP', ...change },
      `config ${change.key} changed in the file; it takes effect at the next start`,
    );
  logger.info(
    { signal: 'SIGHUP', applied: result.applied.length, needRestart: result.needRestart.length },
    `SIGHUP: re-read ${options.config}: ${result.applied.length} change(s) applied`,
  );
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
