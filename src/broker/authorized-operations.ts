/** Kafka's marker for "authorized operations were not requested" (INT32 minimum). */
export const AUTHORIZED_OPERATIONS_NOT_REQUESTED = -2147483648;

/** Kafka's AclOperation codes (the bit positions of an authorized-operations bitfield). */
const AclOperation = {
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
} as const;

function bitfield(...operations: number[]): number {
  return operations.reduce((bits, operation) => bits | (1 << operation), 0);
}

/**
 * The operations a client may perform on the cluster. No authorizer is configured, so, as Kafka
 * without one, every operation the cluster resource supports is allowed.
 */
export const CLUSTER_AUTHORIZED_OPERATIONS = bitfield(
  AclOperation.CREATE,
  AclOperation.ALTER,
  AclOperation.DESCRIBE,
  AclOperation.CLUSTER_ACTION,
  AclOperation.DESCRIBE_CONFIGS,
  AclOperation.ALTER_CONFIGS,
  AclOperation.IDEMPOTENT_WRITE,
);

/** The operations a client may perform on a topic: every one a topic supports (no authorizer). */
export const TOPIC_AUTHORIZED_OPERATIONS = bitfield(
  AclOperation.READ,
  AclOperation.WRITE,
  AclOperation.CREATE,
  AclOperation.DELETE,
  AclOperation.ALTER,
  AclOperation.DESCRIBE,
  AclOperation.DESCRIBE_CONFIGS,
  AclOperation.ALTER_CONFIGS,
);
