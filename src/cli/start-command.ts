import { readFile } from 'node:fs/promises';
import { pino } from 'pino';
import { BrokerConfigError, loadBrokerConfig, type NamedConfigFlag, startBroker } from '../server/index.js';
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
  const logger = pino({ base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
  let config: ReturnType<typeof loadBrokerConfig>;
  try {
    const properties =
      options.config === undefined
        ? undefined
        : { text: await readFile(options.config, 'utf8'), path: options.config };
    const named: Partial<Record<NamedConfigFlag, string>> = {};
    for (const name of NAMED) {
      const value = options[name];
      if (value !== undefined) named[name] = value;
    }
    config = loadBrokerConfig({
      ...(properties === undefined ? {} : { properties }),
      env: process.env,
      flags: { overrides: options.override ?? [], named },
    });
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
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
