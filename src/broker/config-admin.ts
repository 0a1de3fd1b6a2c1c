/** Kafka's IncrementalAlterConfigs operations (AlterConfigOp.OpType). */
export const ConfigOperation = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;
export type ConfigOperation = (typeof ConfigOperation)[keyof typeof ConfigOperation];

/** A config resource as requests name it: Kafka's resource type code and name. */
export interface ConfigResourceRef {
  readonly resourceType: number;
  readonly resourceName: string;
}

export interface DescribedConfigSynonym {
  readonly name: string;
  /** Null for a sensitive config or a synonym that has no value. */
  readonly value: string | null;
  /** Kafka's ConfigSource code. */
  readonly source: number;
}

/** One config as DescribeConfigs reports it; the handler drops what the request version lacks. */
export interface DescribedConfig {
  readonly name: string;
  /** Null when sensitive or unset without a default. */
  readonly value: string | null;
  readonly readOnly: boolean;
  /** Kafka's ConfigSource code of the value. */
  readonly configSource: number;
  readonly isSensitive: boolean;
  /** Every synonym, highest precedence first (the handler sends them only when asked). */
  readonly synonyms: readonly DescribedConfigSynonym[];
  /** Kafka's ConfigType code (DescribeConfigs v3+). */
  readonly configType: number;
  readonly documentation: string | null;
}

/** A resource's configs, or the error that refused describing it (then `configs` is empty). */
export interface ConfigDescription {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly configs: readonly DescribedConfig[];
}

export interface ConfigAlteration {
  readonly name: string;
  /** A ConfigOperation code, as received (an unknown code is refused per resource). */
  readonly operation: number;
  readonly value: string | null;
}

/**
 * One resource's change. `incremental` applies each operation to the configs the resource has
 * (IncrementalAlterConfigs); `replace` makes the given SET entries the resource's whole set of
 * dynamic configs, deleting the others (the legacy AlterConfigs).
 */
export interface ConfigResourceAlteration extends ConfigResourceRef {
  readonly mode: 'incremental' | 'replace';
  readonly alterations: readonly ConfigAlteration[];
}

export interface ConfigAlterationResult {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

/**
 * Config administration as the handlers need it: describing reads the newest image plus the
 * broker's static configuration; altering goes to the controller, which validates each resource on
 * its own, commits the accepted changes as ConfigRecords and resolves once the image holds them
 * (so a DescribeConfigs answered afterwards sees them). Never rejects for bad input: errors are
 * per resource.
 */
export interface ConfigAdmin {
  describeConfigs(resource: ConfigResourceRef, keys: readonly string[] | null): ConfigDescription;
  alterConfigs(
    resources: readonly ConfigResourceAlteration[],
    options: { validateOnly: boolean },
  ): Promise<ConfigAlterationResult[]>;
}
