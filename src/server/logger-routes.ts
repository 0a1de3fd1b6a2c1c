import type { AdminRoute } from '../admin/index.js';
import { type ComponentLoggers, isLogLevel, LOG_LEVELS } from './component-loggers.js';

/**
 * The admin listener's log-level control: GET /v1/loggers lists every component's level; PUT
 * /v1/loggers/<component> with `{"level":"debug"}` sets one (e.g. `request` at debug logs every
 * request). 400 for a body without a known level, 404 for an unknown component.
 */
export function loggerRoutes(loggers: ComponentLoggers): Record<string, AdminRoute> {
  return {
    'PUT /v1/loggers/': (body, path) => {
      const component = decodeURIComponent(path.slice('/v1/loggers/'.length));
      let level: unknown;
      try {
        level = (JSON.parse(body) as { level?: unknown }).level;
      } catch {
        return { status: 400, json: { error: 'the body must be JSON: {"level":"debug"}' } };
      }
      if (typeof level !== 'string' || !isLogLevel(level)) {
        return { status: 400, json: { error: `level must be one of ${LOG_LEVELS.join(', ')}` } };
      }
      if (!loggers.setLevel(component, level)) {
        return {
          status: 404,
          json: { error: `no such logger: ${component}`, loggers: Object.keys(loggers.levels()) },
        };
      }
      return { status: 200, json: { component, level } };
    },
    'GET /v1/loggers': () => ({ status: 200, json: loggers.levels() }),
  };
}
