/** Where the admin HTTP listener binds: `admin.listener` as `host:port` (`[v6]:port` for IPv6). */
export interface AdminListenerAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Parses `admin.listener`: `host:port`, `[::1]:port`, or `:port` (all interfaces); an empty value
 * (or `none`) disables the listener (null). Throws a RangeError naming the problem otherwise.
 */
export function parseAdminListener(value: string): AdminListenerAddress | null {
  const text = value.trim();
  if (text === '' || text.toLowerCase() === 'none') return null;
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  if (match === null)
    throw new RangeError(`admin.listener must be host:port (or empty to disable), not '${value}'`);
  const port = Number(match[3]);
  if (port > 65_535) throw new RangeError(`admin.listener port ${port} is above 65535`);
  const host = match[1] ?? match[2] ?? '';
  return { host: host === '' ? '0.0.0.0' : host, port };
}
