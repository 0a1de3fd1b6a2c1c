import { PyralogError } from '../protocol/index.js';

/** Kafka's security protocols; the network layer serves PLAINTEXT only for now (TLS/SASL later). */
export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';

const SECURITY_PROTOCOLS: readonly SecurityProtocol[] = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];

/** Kafka's default `listener.security.protocol.map`: each protocol name maps to itself. */
export const DEFAULT_SECURITY_PROTOCOL_MAP =
  'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL';

/** One named endpoint of `listeners` or `advertised.listeners`. */
export interface ListenerEndpoint {
  /** Upper-cased, as Kafka normalises listener names (`PLAINTEXT`, `INTERNAL`). */
  readonly name: string;
  /** Empty means every interface (for `listeners`); IPv6 addresses without brackets. */
  readonly host: string;
  /** 0 asks the OS for a free port (for `listeners`). */
  readonly port: number;
  readonly securityProtocol: SecurityProtocol;
}

/** A `listeners`, `advertised.listeners` or `listener.security.protocol.map` value that is not valid. */
export class ListenerConfigError extends PyralogError {
  readonly code = 'INVALID_LISTENER_CONFIG';
}

const NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
const ENDPOINT = /^([^:/]+):\/\/(\[[0-9A-Fa-f:.%a-zA-Z]*\]|[^:[\]]*):(\d+)$/;

function isSecurityProtocol(value: string): value is SecurityProtocol {
  return (SECURITY_PROTOCOLS as readonly string[]).includes(value);
}

function items(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/**
 * Parses `listener.security.protocol.map` (`NAME:PROTOCOL,...`, Kafka's default when undefined).
 * Throws ListenerConfigError for a malformed entry, an unknown protocol or a name given twice.
 */
export function parseSecurityProtocolMap(
  value: string = DEFAULT_SECURITY_PROTOCOL_MAP,
): ReadonlyMap<string, SecurityProtocol> {
  const map = new Map<string, SecurityProtocol>();
  for (const item of items(value)) {
    const [rawName, rawProtocol, ...rest] = item.split(':');
    const name = rawName?.trim().toUpperCase() ?? '';
    const protocol = rawProtocol?.trim().toUpperCase() ?? '';
    if (rest.length > 0 || !NAME.test(name) || protocol === '') {
      throw new ListenerConfigError(`listener.security.protocol.map: '${item}' is not NAME:PROTOCOL`);
    }
    if (!isSecurityProtocol(protocol)) {
      throw new ListenerConfigError(
        `listener.security.protocol.map: unknown security protocol '${protocol}' for ${name} ` +
          `(expected one of ${SECURITY_PROTOCOLS.join(', ')})`,
      );
    }
    if (map.has(name)) throw new ListenerConfigError(`listener.security.protocol.map: ${name} given twice`);
    map.set(name, protocol);
  }
  return map;
}

/**
 * Parses a `listeners` or `advertised.listeners` value (`NAME://host:port,...`, host may be empty or a
 * bracketed IPv6 address). Every name must appear in `protocolMap`. Names must be unique; so must
 * non-zero ports when `what` is `listeners` (two sockets cannot bind one port). Throws
 * ListenerConfigError naming the offending entry.
 */
export function parseListeners(
  value: string,
  protocolMap: ReadonlyMap<string, SecurityProtocol> = parseSecurityProtocolMap(),
  what: 'listeners' | 'advertised.listeners' = 'listeners',
): ListenerEndpoint[] {
  const endpoints: ListenerEndpoint[] = [];
  for (const item of items(value)) {
    const match = ENDPOINT.exec(item);
    if (match === null) throw new ListenerConfigError(`${what}: '${item}' is not NAME://host:port`);
    const name = match[1]!.toUpperCase();
    const rawHost = match[2]!;
    const port = Number(match[3]);
    if (!NAME.test(name)) throw new ListenerConfigError(`${what}: '${name}' is not a valid listener name`);
    if (!Number.isSafeInteger(port) || port > 65535) {
      throw new ListenerConfigError(`${what}: port ${match[3]} of ${name} is outside 0-65535`);
    }
    const securityProtocol = protocolMap.get(name);
    if (securityProtocol === undefined) {
      throw new ListenerConfigError(
        `${what}: listener ${name} has no entry in listener.security.protocol.map`,
      );
    }
    if (endpoints.some((endpoint) => endpoint.name === name)) {
      throw new ListenerConfigError(`${what}: listener ${name} given twice`);
    }
    if (what === 'listeners' && port !== 0 && endpoints.some((endpoint) => endpoint.port === port)) {
      throw new ListenerConfigError(`${what}: port ${port} used by two listeners`);
    }
    const host = rawHost.startsWith('[') ? rawHost.slice(1, -1) : rawHost;
    endpoints.push({ name, host, port, securityProtocol });
  }
  if (endpoints.length === 0) throw new ListenerConfigError(`${what}: no listener given`);
  return endpoints;
}

function isWildcard(host: string): boolean {
  return host === '' || host === '0.0.0.0' || host === '::';
}

/**
 * The endpoints to advertise to clients: `advertised` when given (each name must be a listener), else
 * the listeners themselves. A port 0 becomes the port `bound` reports for that listener; an empty or
 * wildcard host becomes `defaultHost` for a listener, and is an error in an explicit advertised entry
 * (a client cannot connect to 0.0.0.0, as Kafka also refuses).
 */
export function resolveAdvertisedListeners(
  listeners: readonly ListenerEndpoint[],
  advertised: readonly ListenerEndpoint[] | undefined,
  bound: ReadonlyMap<string, { readonly port: number }>,
  defaultHost: string,
): ListenerEndpoint[] {
  const boundPort = (name: string, port: number): number => {
    if (port !== 0) return port;
    const actual = bound.get(name)?.port;
    if (actual === undefined)
      throw new ListenerConfigError(`listener ${name} is not bound, cannot advertise port 0`);
    return actual;
  };
  if (advertised === undefined) {
    return listeners.map((listener) => ({
      ...listener,
      host: isWildcard(listener.host) ? defaultHost : listener.host,
      port: boundPort(listener.name, listener.port),
    }));
  }
  return advertised.map((endpoint) => {
    const listener = listeners.find((candidate) => candidate.name === endpoint.name);
    if (listener === undefined) {
      throw new ListenerConfigError(`advertised.listeners: ${endpoint.name} is not one of the listeners`);
    }
    if (isWildcard(endpoint.host)) {
      throw new ListenerConfigError(
        `advertised.listeners: ${endpoint.name} advertises '${endpoint.host}', which clients cannot reach`,
      );
    }
    return {
      ...endpoint,
      port: endpoint.port === 0 ? boundPort(listener.name, listener.port) : endpoint.port,
    };
  });
}
