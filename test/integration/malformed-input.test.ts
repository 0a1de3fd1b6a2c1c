// A real `pyralog start` process fed hostile bytes on raw sockets (seeded garbage, truncated frames,
// giant and negative size prefixes, an unknown API key, Produce v2, an undecodable header) closes or
// correctly answers each of those connections, keeps answering a healthy KafkaConnection throughout,
// grows its RSS by less than 50 MiB over 200 giant-prefix and 200 garbage connections, and still
// exits 0 on SIGTERM.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KafkaConnection } from '../../src/network/index.js';
import { waitFor, within } from '../../src/network/network-test-kit.js';
import {
  ApiKey,
  ByteReader,
  decodeResponse,
  ErrorCode,
  encodeRequest,
  type RequestHeaderFor,
} from '../../src/protocol/index.js';
import { SeededRandom } from '../../src/testing/index.js';
import { type PyralogProcess, startPyralog } from '../../tools/pyralog-process.js';

const SEED = Number(process.env.MALFORMED_SEED ?? 0x5eed);
const CLOSE_DEADLINE_MS = 5_000;
const RSS_BOUND_KIB = 50 * 1024;

interface Started extends PyralogProcess {
  readonly host: string;
  readonly port: number;
}

/** The real `pyralog start` on a port-0 listener, with its address split for raw sockets. */
async function startProcess(dataDir: string): Promise<Started> {
  const started = await startPyralog(dataDir);
  const colon = started.bootstrap.lastIndexOf(':');
  return {
    ...started,
    host: started.bootstrap.slice(0, colon),
    port: Number(started.bootstrap.slice(colon + 1)),
  };
}

/** Resident set size of a process in KiB, from /proc/<pid>/status. */
async function rssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  assert.ok(match?.[1] !== undefined, 'VmRSS line in /proc/<pid>/status');
  return Number(match[1]);
}

/** A raw socket to the broker; its errors (EPIPE, ECONNRESET once the broker closes it) are expected. */
function openRaw(broker: Started): Promise<{ socket: Socket; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(broker.port, broker.host);
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', () => {});
      resolve({ socket, closed });
    });
    socket.once('error', reject);
  });
}

/** Writes `bytes` and resolves once the broker has closed the socket (fails after the deadline). */
async function expectClosedByBroker(broker: Started, bytes: Buffer, what: string): Promise<void> {
  const { socket, closed } = await openRaw(broker);
  const received: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  socket.write(bytes);
  try {
    await within(closed, `the broker to close the connection that sent ${what}`, CLOSE_DEADLINE_MS);
  } finally {
    socket.destroy();
  }
  assert.equal(Buffer.concat(received).length, 0, `no answer to ${what}`);
}

/** Writes one request frame and resolves with the response frame (size prefix removed). */
async function exchange(broker: Started, frame: Buffer, what: string): Promise<Buffer> {
  const { socket, closed } = await openRaw(broker);
  const response = new Promise<Buffer>((resolve, reject) => {
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 4 && received.length >= 4 + received.readInt32BE(0)) {
        resolve(received.subarray(4, 4 + received.readInt32BE(0)));
      }
    });
    void closed.then(() => reject(new Error(`connection closed before an answer to ${what}`)));
  });
  socket.write(frame);
  try {
    return await within(response, `an answer to ${what}`, CLOSE_DEADLINE_MS);
  } finally {
    socket.destroy();
  }
}

/** A size prefix of `size` (int32, may be negative), followed by `body`. */
function framed(size: number, body: Buffer = Buffer.alloc(0)): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(size, 0);
  return Buffer.concat([prefix, body]);
}

function randomBytes(random: SeededRandom, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = random.nextInt(256);
  return bytes;
}

/** Runs `task(i)` for i in [0, count) with at most `parallel` at once. */
async function inBatches(count: number, parallel: number, task: (i: number) => Promise<void>): Promise<void> {
  for (let start = 0; start < count; start += parallel) {
    const batch: Promise<void>[] = [];
    for (let i = start; i < Math.min(count, start + parallel); i++) batch.push(task(i));
    await Promise.all(batch);
  }
}

/** Round trips (ApiVersions v3, Metadata v12 alternately) on one connection until stopped; never rejects. */
class HealthyClient {
  roundTrips = 0;
  failure: unknown;
  private stopped = false;
  readonly done: Promise<void>;

  constructor(private readonly connection: KafkaConnection) {
    this.done = this.loop().catch((error: unknown) => {
      this.failure = error;
    });
  }

  /** Resolves once `count` more round trips have succeeded (fails after the deadline or on a failure). */
  async progress(count: number, what: string): Promise<void> {
    const target = this.roundTrips + count;
    await waitFor(() => this.failure !== undefined || this.roundTrips >= target, what, CLOSE_DEADLINE_MS);
    assert.equal(this.failure, undefined, `healthy connection failed: ${String(this.failure)}`);
  }

  async stop(): Promise<number> {
    this.stopped = true;
    await this.done;
    assert.equal(this.failure, undefined, `healthy connection failed: ${String(this.failure)}`);
    return this.roundTrips;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      if (this.roundTrips % 2 === 0) {
        const versions = await this.connection.request(ApiKey.ApiVersions, 3, {
          clientSoftwareName: 'malformed-input-test',
          clientSoftwareVersion: '1',
        });
        assert.equal(versions.errorCode, ErrorCode.NONE);
        assert.ok(versions.apiKeys.some((range) => range.apiKey === ApiKey.Produce));
      } else {
        const metadata = await this.connection.request(ApiKey.Metadata, 12, {
          topics: [],
          allowAutoTopicCreation: false,
          includeClusterAuthorizedOperations: false,
          includeTopicAuthorizedOperations: false,
        });
        assert.equal(metadata.brokers.length, 1);
        assert.deepEqual(metadata.topics, []);
      }
      this.roundTrips += 1;
    }
  }
}

describe('malformed input against a real pyralog process', () => {
  let dir: string;
  let broker: Started;
  let connection: KafkaConnection;
  let healthy: HealthyClient;
  const random = new SeededRandom(SEED);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pyralog-malformed-'));
    broker = await startProcess(join(dir, 'data'));
    connection = await KafkaConnection.connect({ host: broker.host, port: broker.port, clientId: 'healthy' });
    healthy = new HealthyClient(connection);
    await healthy.progress(2, 'the first healthy round trips');
  });
  after(async () => {
    if (connection !== undefined) await connection.close();
    if (broker !== undefined && broker.child.exitCode === null) broker.child.kill('SIGKILL');
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it(`closes connections that send seeded garbage (seed=${SEED})`, async () => {
    // Each garbage stream begins with a size prefix outside [8, 100 MiB] (negative or giant), as almost
    // all random bytes do, so the broker must close the connection without waiting for more.
    await inBatches(20, 10, async () => {
      const garbage = randomBytes(random, random.between(4, 4096));
      // 0x80.. is negative; 0x07.. to 0x7f.. is at least 0x07000000, above 100 MiB.
      garbage[0] = random.chance(0.5) ? 0x80 | random.nextInt(0x80) : random.between(0x07, 0x7f);
      await expectClosedByBroker(broker, garbage, 'garbage');
    });
    // Whole frames of random bytes behind a valid size prefix, starting with an API key no Kafka has.
    await inBatches(20, 10, async () => {
      const body = randomBytes(random, random.between(8, 512));
      body.writeInt16BE(random.between(1000, 0x7fff), 0);
      await expectClosedByBroker(broker, framed(body.length, body), 'a frame of random bytes');
    });
    await healthy.progress(2, 'healthy round trips after garbage');
  });

  it('survives truncated frames whose sender goes away', async () => {
    await inBatches(20, 10, async () => {
      const { socket, closed } = await openRaw(broker);
      const promised = random.between(64, 65_536);
      socket.end(framed(promised, randomBytes(random, random.between(0, 63))));
      await within(closed, 'a truncated-frame socket to close', CLOSE_DEADLINE_MS);
    });
    await healthy.progress(2, 'healthy round trips after truncated frames');
  });

  it('closes connections with a giant (0x7fffffff) or negative size prefix without reading on', async () => {
    await expectClosedByBroker(broker, framed(0x7fffffff, randomBytes(random, 1024)), 'size 0x7fffffff');
    await expectClosedByBroker(broker, framed(-1), 'size -1');
    await expectClosedByBroker(broker, framed(-0x80000000, randomBytes(random, 16)), 'size -2^31');
    await expectClosedByBroker(broker, framed(104_857_601), 'size 100 MiB + 1');
    await expectClosedByBroker(broker, framed(7, Buffer.alloc(7)), 'size 7 (below a header)');
    await healthy.progress(2, 'healthy round trips after bad size prefixes');
  });

  it('closes a connection that sends an unknown API key in a well-formed header', async () => {
    // Header v1 shape: apiKey, apiVersion, correlationId, clientId (int16 length + bytes), then a body.
    const header = Buffer.alloc(2 + 2 + 4 + 2 + 2);
    header.writeInt16BE(9_999, 0);
    header.writeInt16BE(0, 2);
    header.writeInt32BE(7, 4);
    header.writeInt16BE(2, 8);
    header.write('it', 10, 'latin1');
    await expectClosedByBroker(
      broker,
      framed(header.length + 4, Buffer.concat([header, Buffer.alloc(4)])),
      'API 9999',
    );
    await healthy.progress(2, 'healthy round trips after an unknown API key');
  });

  it('answers CreateTopics v1 (known to the codecs, not served) with UNSUPPORTED_VERSION', async () => {
    const frame = Buffer.concat(
      encodeRequest(
        {
          requestApiKey: ApiKey.CreateTopics,
          requestApiVersion: 1,
          correlationId: 1234,
          clientId: 'it',
        } as RequestHeaderFor<typeof ApiKey.CreateTopics>,
        {
          topics: [{ name: 't', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
          timeoutMs: 1000,
          validateOnly: false,
        },
      ),
    );
    const response = decodeResponse(
      ApiKey.CreateTopics,
      1,
      new ByteReader(await exchange(broker, frame, 'CreateTopics v1')),
    );
    assert.equal(response.header.correlationId, 1234);
    assert.equal(response.body.topics[0]?.errorCode, ErrorCode.UNSUPPORTED_VERSION);
    await healthy.progress(2, 'healthy round trips after CreateTopics v1');
  });

  it('closes a connection whose request header cannot be decoded', async () => {
    // Metadata v1 (header v1): the clientId claims 1000 bytes but the frame ends after 2 of them.
    const header = Buffer.alloc(2 + 2 + 4 + 2 + 2);
    header.writeInt16BE(ApiKey.Metadata, 0);
    header.writeInt16BE(1, 2);
    header.writeInt32BE(8, 4);
    header.writeInt16BE(1000, 8);
    header.write('it', 10, 'latin1');
    await expectClosedByBroker(broker, framed(header.length, header), 'a truncated clientId');
    // Flexible header v2 (Metadata v12) with a compact clientId length but no tagged fields byte.
    const flexible = Buffer.alloc(2 + 2 + 4 + 2);
    flexible.writeInt16BE(ApiKey.Metadata, 0);
    flexible.writeInt16BE(12, 2);
    flexible.writeInt32BE(9, 4);
    flexible.writeInt16BE(0x7fff, 8);
    await expectClosedByBroker(broker, framed(flexible.length, flexible), 'an undecodable flexible header');
    await healthy.progress(2, 'healthy round trips after undecodable headers');
  });

  it('keeps its RSS bounded over 200 giant-prefix and 200 garbage connections', async () => {
    const pid = broker.child.pid;
    assert.ok(pid !== undefined);
    const before = await rssKiB(pid);
    await inBatches(200, 20, async () => {
      await expectClosedByBroker(broker, framed(0x7fffffff, randomBytes(random, 4096)), 'size 0x7fffffff');
    });
    await inBatches(200, 20, async () => {
      const garbage = randomBytes(random, random.between(4, 4096));
      garbage[0] = 0x80 | (garbage[0] ?? 0); // negative size prefix
      await expectClosedByBroker(broker, garbage, 'garbage');
    });
    await healthy.progress(2, 'healthy round trips after the flood');
    const afterFlood = await rssKiB(pid);
    console.log(
      `broker RSS before ${before} KiB, after ${afterFlood} KiB, growth ${afterFlood - before} KiB`,
    );
    assert.ok(
      afterFlood - before < RSS_BOUND_KIB,
      `RSS grew by ${afterFlood - before} KiB (bound ${RSS_BOUND_KIB} KiB)`,
    );
  });

  it('is still alive, answered every healthy round trip and exits 0 on SIGTERM', async () => {
    assert.equal(broker.child.exitCode, null);
    const roundTrips = await healthy.stop();
    assert.ok(roundTrips >= 14, `only ${roundTrips} healthy round trips`);
    await connection.close();
    broker.child.kill('SIGTERM');
    assert.equal(await within(broker.exited, 'the broker to exit on SIGTERM', 10_000), 0);
  });
});
