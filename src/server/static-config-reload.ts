import { BROKER_CONFIG_DEFINITIONS, isBrokerConfigName } from './broker-config-definitions.js';

/** One key whose static value differs between two readings of the configuration (null: unset). */
export interface StaticConfigChange {
  readonly key: string;
  readonly from: string | null;
  readonly to: string | null;
}

/** What a re-read of server.properties (SIGHUP) did. */
export interface StaticConfigReload {
  /** Dynamic keys (Kafka's per-broker and cluster-wide ones) now in force. */
  readonly applied: readonly StaticConfigChange[];
  /** Read-only keys that changed: they take effect at the next start. */
  readonly needRestart: readonly StaticConfigChange[];
  /** Why nothing was applied (the new values do not make a valid config), or null. */
  readonly refused: string | null;
}

/**
 * The changed keys between the static broker properties in force and a new reading, split into
 * those Kafka updates without a restart (dynamic) and the rest. Keys Pyralog does not know are
 * left out (they are passed through, never read).
 */
export function planStaticReload(
  current: Readonly<Record<string, string>>,
  next: Readonly<Record<string, string>>,
): { dynamic: StaticConfigChange[]; readOnly: StaticConfigChange[] } {
  const dynamic: StaticConfigChange[] = [];
  const readOnly: StaticConfigChange[] = [];
  const keys = [...new Set([...Object.keys(current), ...Object.keys(next)])].sort();
  for (const key of keys) {
    const from = current[key] ?? null;
    const to = next[key] ?? null;
    if (from === to || !isBrokerConfigName(key)) continue;
    (BROKER_CONFIG_DEFINITIONS[key].dynamic === 'read-only' ? readOnly : dynamic).push({ key, from, to });
  }
  return { dynamic, readOnly };
}

/** Applies `changes` to `properties` in place (a null `to` removes the key). */
export function applyStaticChanges(
  properties: Record<string, string>,
  changes: readonly StaticConfigChange[],
): void {
  for (const { key, to } of changes) {
    if (to === null) delete properties[key];
    else properties[key] = to;
  }
}

/** What applying a re-read configuration touches in a running broker. */
export interface StaticReloadTarget {
  /** The static broker properties in force, shared by reference with storage and the config rules. */
  readonly properties: Record<string, string>;
  /** Why these static properties would not make a valid config for a topic that overrides nothing, or null. */
  readonly problem: (candidate: Readonly<Record<string, string>>) => string | null;
  /** Re-resolves every log's config from the (changed) static properties. */
  readonly reconfigureAllLogs: () => void;
}

/**
 * Applies the dynamic keys of a new reading of the static config, as IncrementalAlterConfigs would
 * apply them (the same validation of the resulting broker config, then every log re-resolved),
 * but to the static layer: dynamic configs set through the Kafka API keep their precedence, and
 * nothing is written to the metadata log (the file stays the source of its values). All or nothing.
 */
export function applyStaticReload(
  target: StaticReloadTarget,
  next: Readonly<Record<string, string>>,
): StaticConfigReload {
  const { dynamic, readOnly } = planStaticReload(target.properties, next);
  if (dynamic.length === 0) return { applied: [], needRestart: readOnly, refused: null };
  const candidate = { ...target.properties };
  applyStaticChanges(candidate, dynamic);
  const problem = target.problem(candidate);
  if (problem !== null) return { applied: [], needRestart: readOnly, refused: problem };
  applyStaticChanges(target.properties, dynamic);
  target.reconfigureAllLogs();
  return { applied: dynamic, needRestart: readOnly, refused: null };
}
