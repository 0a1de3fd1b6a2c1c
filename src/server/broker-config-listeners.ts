import {
  ListenerConfigError,
  type ListenerEndpoint,
  parseListeners,
  parseSecurityProtocolMap,
  type SecurityProtocol,
} from '../network/index.js';
import type { BrokerConfigName, BrokerConfigValues } from './broker-config-definitions.js';
import type { ConfigProblem } from './broker-config-error.js';

interface EntryLike {
  readonly rawValue: string | null;
  readonly origin: ConfigProblem['origin'];
  readonly where: string | null;
}

/** The listener part of a BrokerConfig. */
export interface ResolvedListeners {
  readonly listeners: readonly ListenerEndpoint[];
  readonly advertisedListeners: readonly ListenerEndpoint[] | null;
  readonly interBrokerListenerName: string;
}

const WILDCARD_HOSTS = new Set(['', '0.0.0.0', '::']);

/**
 * Parses listeners, advertised.listeners and the protocol map, and checks the names that refer to
 * them. Pushes a problem per bad key; returns undefined when the listeners themselves are unusable.
 */
export function validateListeners(
  values: BrokerConfigValues,
  entries: ReadonlyMap<BrokerConfigName, EntryLike>,
  problems: ConfigProblem[],
): ResolvedListeners | undefined {
  const report = (key: BrokerConfigName, message: string): void => {
    const entry = entries.get(key);
    problems.push({
      key,
      value: entry?.rawValue ?? null,
      origin: entry?.origin ?? 'default',
      where: entry?.where ?? null,
      message,
    });
  };
  const attempt = <T>(key: BrokerConfigName, parse: () => T): T | undefined => {
    try {
      return parse();
    } catch (error: unknown) {
      if (!(error instanceof ListenerConfigError)) throw error;
      report(key, error.message);
      return undefined;
    }
  };
  const protocolMap = attempt('listener.security.protocol.map', () =>
    parseSecurityProtocolMap(values['listener.security.protocol.map']),
  );
  if (protocolMap === undefined) return undefined;
  const listeners = attempt('listeners', () => parseListeners(values.listeners, protocolMap, 'listeners'));
  const advertisedText = values['advertised.listeners'];
  const advertised =
    advertisedText === null
      ? null
      : attempt('advertised.listeners', () =>
          parseListeners(advertisedText, protocolMap, 'advertised.listeners'),
        );
  for (const name of values['controller.listener.names'] ?? []) {
    if (!protocolMap.has(name.toUpperCase())) {
      report('controller.listener.names', `${name} has no entry in listener.security.protocol.map`);
    }
  }
  if (listeners === undefined) return undefined;
  const names = new Set(listeners.map((listener) => listener.name));
  for (const endpoint of advertised ?? []) {
    if (!names.has(endpoint.name))
      report('advertised.listeners', `${endpoint.name} is not one of the listeners`);
    if (WILDCARD_HOSTS.has(endpoint.host)) {
      report(
        'advertised.listeners',
        `${endpoint.name} advertises ${endpoint.host || 'an empty host'}, which clients cannot reach`,
      );
    }
  }
  const interBroker =
    values['inter.broker.listener.name']?.toUpperCase() ?? firstBrokerListener(listeners, values);
  if (!names.has(interBroker))
    report('inter.broker.listener.name', `${interBroker} is not one of the listeners`);
  if (advertised === undefined) return undefined;
  return { listeners, advertisedListeners: advertised, interBrokerListenerName: interBroker };
}

/** Kafka's default: the listener of security.inter.broker.protocol (PLAINTEXT); else the first non-controller one. */
function firstBrokerListener(listeners: readonly ListenerEndpoint[], values: BrokerConfigValues): string {
  const controllers = new Set((values['controller.listener.names'] ?? []).map((name) => name.toUpperCase()));
  const candidates = listeners.filter((listener) => !controllers.has(listener.name));
  const plaintext: SecurityProtocol = 'PLAINTEXT';
  return (
    candidates.find((listener) => listener.name === plaintext)?.name ??
    candidates[0]?.name ??
    listeners[0]?.name ??
    ''
  );
}
