import type { Logger } from 'pino';

/** pino's levels, most severe first, plus silent. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/**
 * The broker's components that log, each through its own child logger (`component` field) with its
 * own level: `request` logs every request at debug (API, version, client, time) and is at info
 * unless turned up, so request logging costs one level check per request.
 */
export const LOG_COMPONENTS = [
  'server',
  'broker',
  'request',
  'network',
  'storage',
  'metadata',
  'group-coordinator',
  'transaction-coordinator',
  'admin',
  'config',
] as const;
export type LogComponent = (typeof LOG_COMPONENTS)[number];

/**
 * One child logger per component of a root pino logger, whose levels change at runtime (PUT
 * /v1/loggers/<component> on the admin listener). A child starts at the root's level.
 */
export class ComponentLoggers {
  private readonly children = new Map<LogComponent, Logger>();

  constructor(private readonly root: Logger) {
    for (const component of LOG_COMPONENTS) this.children.set(component, root.child({ component }));
  }

  get(component: LogComponent): Logger {
    return this.children.get(component)!;
  }

  /** Sets one component's level; false when the component is unknown. */
  setLevel(component: string, level: LogLevel): boolean {
    const logger = this.children.get(component as LogComponent);
    if (logger === undefined) return false;
    logger.level = level;
    return true;
  }

  /** Every component's current level. */
  levels(): Record<string, string> {
    return Object.fromEntries([...this.children].map(([component, logger]) => [component, logger.level]));
  }

  get rootLevel(): string {
    return this.root.level;
  }
}
