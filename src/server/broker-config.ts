import { type AdminListenerAddress, parseAdminListener } from '../admin/index.js';
import type { ListenerEndpoint } from '../network/index.js';
import {
  BROKER_CONFIG_DEFINITIONS,
  BROKER_CONFIG_SYNONYMS,
  type BrokerConfigName,
  type BrokerConfigValues,
  isBrokerConfigName,
} from './broker-config-definitions.js';
import { BrokerConfigError, type ConfigProblem } from './broker-config-error.js';
import { validateListeners } from './broker-config-listeners.js';
import type { ConfigDefinition } from './config-definition.js';
import {
  type ConfigOrigin,
  type ConfigSetting,
  type ConfigSourceName,
  ORIGIN_PRECEDENCE,
  sourceOfOrigin,
} from './config-source.js';
import type { DynamicBrokerLayers } from './dynamic-broker-config.js';

/** One resolved key: its value and the setting that decided it. */
export interface ResolvedConfigEntry {
  readonly name: BrokerConfigName;
  /** The typed value (BrokerConfigValues[name]). */
  readonly value: unknown;
  /** As given (or the default as Kafka prints it); null when unset without a default. */
  readonly rawValue: string | null;
  readonly source: ConfigSourceName;
  readonly origin: ConfigOrigin;
  readonly where: string | null;
}

/** A DescribeConfigs synonym: a key that can decide the value, where it is set, highest first. */
export interface ConfigSynonym {
  readonly name: BrokerConfigName;
  readonly value: string;
  readonly source: ConfigSourceName;
}

/** A validated broker configuration. Immutable. */
export interface BrokerConfig {
  /** Every key's value after origin precedence (flag > env > file > default), synonyms not applied. */
  readonly values: BrokerConfigValues;
  readonly entries: ReadonlyMap<BrokerConfigName, ResolvedConfigEntry>;
  /** Settings of keys Pyralog does not know: kept (Kafka ignores them with a warning). */
  readonly unknown: readonly ConfigSetting[];
  readonly warnings: readonly string[];
  /** log.dirs, else log.dir. */
  readonly logDirs: readonly string[];
  /** log.retention.ms, else .minutes, else .hours, in ms; negative means forever. */
  readonly logRetentionMs: number;
  /** log.roll.ms, else log.roll.hours, in ms. */
  readonly logRollMs: number;
  readonly listeners: readonly ListenerEndpoint[];
  /** advertised.listeners when given; null means "advertise the listeners". */
  readonly advertisedListeners: readonly ListenerEndpoint[] | null;
  readonly interBrokerListenerName: string;
  /** admin.listener, parsed; null when disabled (empty). */
  readonly adminListener: AdminListenerAddress | null;
}

const DEFINITIONS: Readonly<Record<BrokerConfigName, ConfigDefinition<unknown>>> = BROKER_CONFIG_DEFINITIONS;

/**
 * Resolves settings from any origins into a validated BrokerConfig. For each key the setting of the
 * highest origin wins (flag > env > file > default), and the last one within an origin. Then
 * Kafka's synonyms decide derived values (see BROKER_CONFIG_SYNONYMS). Throws BrokerConfigError
 * listing every bad value, each with its key, value and origin.
 */
export function resolveBrokerConfig(
  settings: readonly ConfigSetting[],
  extraProblems: readonly ConfigProblem[] = [],
): BrokerConfig {
  const problems: ConfigProblem[] = [...extraProblems];
  const warnings: string[] = [];
  const unknown: ConfigSetting[] = [];
  const winners = new Map<BrokerConfigName, ConfigSetting>();
  const ordered = [...settings].sort(
    (a, b) => ORIGIN_PRECEDENCE.indexOf(a.origin) - ORIGIN_PRECEDENCE.indexOf(b.origin),
  );
  for (const setting of ordered) {
    if (isBrokerConfigName(setting.key)) winners.set(setting.key, setting);
    else unknown.push(setting);
  }
  for (const setting of unknown)
    warnings.push(`unknown config ${setting.key} (from ${setting.origin} ${setting.where}) is ignored`);

  const entries = new Map<BrokerConfigName, ResolvedConfigEntry>();
  const values: Record<string, unknown> = {};
  for (const name of Object.keys(DEFINITIONS) as BrokerConfigName[]) {
    const definition = DEFINITIONS[name];
    const setting = winners.get(name);
    let entry: ResolvedConfigEntry = {
      name,
      value: definition.defaultValue,
      rawValue: definition.defaultText,
      source: 'DEFAULT_CONFIG',
      origin: 'default',
      where: null,
    };
    if (setting !== undefined) {
      const parsed = definition.parse(setting.value);
      if (parsed.ok) {
        entry = {
          name,
          value: parsed.value,
          rawValue: setting.value,
          source: sourceOfOrigin(setting.origin),
          origin: setting.origin,
          where: setting.where,
        };
      } else {
        problems.push({
          key: name,
          value: setting.value,
          origin: setting.origin,
          where: setting.where,
          message: parsed.problem,
        });
      }
    }
    entries.set(name, Object.freeze(entry));
    values[name] = entry.value;
  }
  // Every key was assigned its definition's value type above.
  const typed = Object.freeze(values) as BrokerConfigValues;
  checkRelations(typed, entries, problems);
  const listeners = validateListeners(typed, entries, problems);
  const adminListener = validateAdminListener(typed, entries, problems);
  if (problems.length > 0 || listeners === undefined) throw new BrokerConfigError(problems);
  return Object.freeze({
    values: typed,
    entries,
    unknown: Object.freeze(unknown),
    warnings: Object.freeze(warnings),
    logDirs: typed['log.dirs'] ?? Object.freeze([typed['log.dir']]),
    logRetentionMs: synonymValue(typed, 'log.retention.ms'),
    logRollMs: synonymValue(typed, 'log.roll.ms'),
    ...listeners,
    adminListener,
  });
}

function validateAdminListener(
  values: BrokerConfigValues,
  entries: ReadonlyMap<BrokerConfigName, ResolvedConfigEntry>,
  problems: ConfigProblem[],
): AdminListenerAddress | null {
  try {
    return parseAdminListener(values['admin.listener']);
  } catch (error: unknown) {
    if (!(error instanceof RangeError)) throw error;
    problems.push(problemAt(entries, 'admin.listener', error.message));
    return null;
  }
}

function synonymValue(values: BrokerConfigValues, key: 'log.retention.ms' | 'log.roll.ms'): number {
  for (const { name, factor } of BROKER_CONFIG_SYNONYMS[key]) {
    const value = values[name];
    if (value !== null) return value < 0 ? -1 : value * factor;
  }
  // log.retention.hours and log.roll.hours have defaults, so one synonym always has a value.
  throw new Error(`no value for any synonym of ${key}`);
}

/**
 * DescribeConfigs synonyms of `name`, highest precedence first, ordered as Kafka orders them: by
 * source (dynamic per-broker, dynamic cluster default, static, default), and within a source by
 * synonym precedence. Only `name` and the synonyms below it count (log.retention.ms lists
 * .minutes and .hours; log.retention.hours lists itself only). A key without synonyms has itself.
 */
export function configSynonyms(
  config: BrokerConfig,
  name: BrokerConfigName,
  dynamic: DynamicBrokerLayers = { perBroker: new Map(), clusterDefault: new Map() },
): ConfigSynonym[] {
  const group = Object.values(BROKER_CONFIG_SYNONYMS).find((synonyms) =>
    synonyms.some((s) => s.name === name),
  );
  const names: BrokerConfigName[] =
    group === undefined ? [name] : group.map((s) => s.name).slice(group.findIndex((s) => s.name === name));
  const synonyms: ConfigSynonym[] = [];
  const layer = (values: (key: BrokerConfigName) => string | null | undefined, source: ConfigSourceName) => {
    for (const key of names) {
      const value = values(key);
      if (value !== null && value !== undefined) synonyms.push({ name: key, value, source });
    }
  };
  layer((key) => dynamic.perBroker.get(key), 'DYNAMIC_BROKER_CONFIG');
  layer((key) => dynamic.clusterDefault.get(key), 'DYNAMIC_DEFAULT_BROKER_CONFIG');
  layer((key) => {
    const entry = config.entries.get(key);
    return entry !== undefined && entry.origin !== 'default' ? entry.rawValue : null;
  }, 'STATIC_BROKER_CONFIG');
  layer((key) => DEFINITIONS[key].defaultText, 'DEFAULT_CONFIG');
  return synonyms;
}

function problemAt(
  entries: ReadonlyMap<BrokerConfigName, ResolvedConfigEntry>,
  key: BrokerConfigName,
  message: string,
): ConfigProblem {
  const entry = entries.get(key);
  return {
    key,
    value: entry?.rawValue ?? null,
    origin: entry?.origin ?? 'default',
    where: entry?.where ?? null,
    message,
  };
}

function checkRelations(
  values: BrokerConfigValues,
  entries: ReadonlyMap<BrokerConfigName, ResolvedConfigEntry>,
  problems: ConfigProblem[],
): void {
  if (values['group.min.session.timeout.ms'] > values['group.max.session.timeout.ms']) {
    problems.push(
      problemAt(
        entries,
        'group.min.session.timeout.ms',
        `is above group.max.session.timeout.ms (${values['group.max.session.timeout.ms']})`,
      ),
    );
  }
  if (values['transaction.state.log.min.isr'] > values['transaction.state.log.replication.factor']) {
    problems.push(
      problemAt(
        entries,
        'transaction.state.log.min.isr',
        'is above transaction.state.log.replication.factor',
      ),
    );
  }
  if (values['log.dirs'] === null && values['log.dir'] === '') {
    problems.push(problemAt(entries, 'log.dir', 'no log directory: set log.dirs or log.dir'));
  }
}
