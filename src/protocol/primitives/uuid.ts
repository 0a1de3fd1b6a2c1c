/**
 * Kafka UUIDs (topic ids, directory ids) are 16 bytes on the wire and shown as 22 characters of
 * URL-safe base64 without padding, as Kafka's own `Uuid.toString()` does. We keep that string form in
 * decoded messages so that ids compare with `===`, key maps and print as Kafka tools print them.
 */
export type Uuid = string;

/** The all-zero UUID Kafka uses for "no id" (`Uuid.ZERO_UUID`). */
export const ZERO_UUID: Uuid = 'AAAAAAAAAAAAAAAAAAAAAA';

export function uuidToBytes(uuid: Uuid): Buffer {
  const bytes = Buffer.from(uuid, 'base64url');
  if (bytes.length !== 16 || bytes.toString('base64url') !== uuid) {
    throw new RangeError(`not a Kafka UUID: ${JSON.stringify(uuid)}`);
  }
  return bytes;
}

export function uuidFromBytes(bytes: Buffer, offset = 0): Uuid {
  return bytes.toString('base64url', offset, offset + 16);
}

/** A random (version 4) UUID in Kafka's string form. */
export function randomUuid(random: (size: number) => Buffer): Uuid {
  const bytes = random(16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  return uuidFromBytes(bytes);
}
