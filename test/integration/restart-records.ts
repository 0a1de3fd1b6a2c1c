// Integration-test helper for the restart tests: records whose content is a pure function of an id
// and a seed (so a consumed record either checks out or is wrong), and a kcat reader that returns a
// partition's records with their offsets.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ExpectedRecord {
  readonly id: string;
  readonly key: string;
  readonly value: string;
  readonly header: string;
}

/** The record named `id`: its value is `id|` plus 16..271 hex characters derived from seed and id. */
export function expectedRecord(seed: number, id: string): ExpectedRecord {
  const digest = createHash('sha256').update(`${seed}/${id}`).digest('hex');
  const length = 16 + Number.parseInt(digest.slice(0, 2), 16);
  return { id, key: `k-${id}`, value: `${id}|${digest.repeat(5).slice(0, length)}`, header: id };
}

export interface ConsumedRecord {
  readonly offset: bigint;
  readonly key: string;
  readonly value: string;
  readonly headers: string;
}

/**
 * Every record of `topic`-`partition` from the beginning to the high watermark, read by kcat
 * (librdkafka) with `-e`. Keys, values and headers must not hold tabs or newlines.
 */
export async function consumeWithKcat(
  bootstrap: string,
  topic: string,
  partition: number,
): Promise<ConsumedRecord[]> {
  const { stdout } = await run(
    'kcat',
    ['-b', bootstrap, '-C', '-t', topic, '-p', String(partition), '-o', 'beginning', '-e', '-q', '-Z'].concat(
      ['-f', '%o\\t%k\\t%s\\t%h\\n'],
    ),
    { timeout: 30_000, maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [offset, key, value, headers] = line.split('\t');
      if (offset === undefined || key === undefined || value === undefined || headers === undefined) {
        throw new Error(`unexpected kcat line: ${line}`);
      }
      return { offset: BigInt(offset), key, value, headers };
    });
}
