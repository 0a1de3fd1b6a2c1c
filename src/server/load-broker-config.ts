import type { BrokerConfig } from './broker-config.js';
import { resolveBrokerConfig } from './broker-config.js';
import type { ConfigProblem } from './broker-config-error.js';
import {
  type ConfigFlags,
  settingsFromEnv,
  settingsFromFlags,
  settingsFromProperties,
} from './config-settings.js';
import type { ConfigSetting } from './config-source.js';
import { PropertiesSyntaxError } from './properties-parser.js';

/** The inputs of a broker configuration; each is optional (none gives the zero-configuration broker). */
export interface BrokerConfigSources {
  /** The text of server.properties (the caller reads the file) and its path for messages. */
  readonly properties?: { readonly text: string; readonly path: string };
  /** Usually process.env; only PYRALOG_* variables are read. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly flags?: ConfigFlags;
}

/**
 * Builds the broker configuration from defaults < server.properties < PYRALOG_* environment <
 * command-line flags. Pure: no file or environment is read here. Throws BrokerConfigError listing
 * every problem of every source, including a properties syntax error and malformed overrides.
 */
export function loadBrokerConfig(sources: BrokerConfigSources = {}): BrokerConfig {
  const settings: ConfigSetting[] = [];
  const problems: ConfigProblem[] = [];
  if (sources.properties !== undefined) {
    try {
      settings.push(...settingsFromProperties(sources.properties.text, sources.properties.path));
    } catch (error: unknown) {
      if (!(error instanceof PropertiesSyntaxError)) throw error;
      problems.push({
        key: '(file)',
        value: null,
        origin: 'file',
        where: `${sources.properties.path}:${error.line}`,
        message: error.message,
      });
    }
  }
  if (sources.env !== undefined) settings.push(...settingsFromEnv(sources.env));
  if (sources.flags !== undefined) {
    const flags = settingsFromFlags(sources.flags);
    settings.push(...flags.settings);
    for (const override of flags.malformed) {
      problems.push({
        key: '--override',
        value: override,
        origin: 'flag',
        where: '--override',
        message: 'expected key=value',
      });
    }
  }
  return resolveBrokerConfig(settings, problems);
}
