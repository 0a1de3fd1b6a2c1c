/** The logging port storage needs (pino's `(fields, message)` shape, so a pino logger fits as is). */
export interface StorageLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export const silentLogger: StorageLogger = { info: () => {}, warn: () => {} };
