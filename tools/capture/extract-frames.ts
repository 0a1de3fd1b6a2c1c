// Turns the pcaps written by capture.sh into golden fixtures: for one client, the ApiVersions, Metadata,
// Produce and Fetch requests it sent (first of each API version per step) with the broker's answers.
// Usage: node --import tsx extract-frames.ts <work-dir> <client>   (prints JSON)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GoldenExchange as Exchange } from './golden-fixture.js';

const API_KEYS: Record<number, string> = { 0: 'Produce', 1: 'Fetch', 3: 'Metadata', 18: 'ApiVersions' };

function frames(stream: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at + 4 <= stream.length) {
    const size = stream.readInt32BE(at);
    if (at + 4 + size > stream.length) break;
    out.push(stream.subarray(at + 4, at + 4 + size));
    at += 4 + size;
  }
  return out;
}

/** Client→broker and broker→client bytes of every TCP stream to `brokerPort`, in capture order. */
function streams(pcap: string, brokerPort: number): Array<{ toBroker: Buffer; toClient: Buffer }> {
  const filter = `tcp.len>0 && tcp.port==${brokerPort}`;
  const lines = execFileSync(
    'tshark',
    ['-r', pcap, '-Y', filter, '-T', 'fields', '-e', 'tcp.stream', '-e', 'tcp.dstport', '-e', 'tcp.payload'],
    { encoding: 'utf8', maxBuffer: 1 << 28 },
  ).split('\n');
  const byStream = new Map<string, { toBroker: Buffer[]; toClient: Buffer[] }>();
  for (const line of lines) {
    const [id, dstPort, payload] = line.split('\t');
    if (!id || !payload) continue;
    const entry = byStream.get(id) ?? { toBroker: [], toClient: [] };
    byStream.set(id, entry);
    (Number(dstPort) === brokerPort ? entry.toBroker : entry.toClient).push(
      Buffer.from(payload.replaceAll(':', ''), 'hex'),
    );
  }
  return [...byStream.values()].map((s) => ({
    toBroker: Buffer.concat(s.toBroker),
    toClient: Buffer.concat(s.toClient),
  }));
}

const [workDir, client] = process.argv.slice(2);
if (!workDir || !client) throw new Error('usage: extract-frames.ts <work-dir> <client>');
const steps = readFileSync(join(workDir, 'steps.tsv'), 'utf8')
  .split('\n')
  .map((line) => line.split('\t'))
  .filter(([name]) => name?.startsWith(`${client}-`));
const exchanges: Exchange[] = [];
const seen = new Set<string>();
for (const [name, port] of steps) {
  const step = name!.slice(client.length + 1);
  for (const { toBroker, toClient } of streams(join(workDir, 'all.pcap'), Number(port))) {
    const responses = new Map(frames(toClient).map((frame) => [frame.readInt32BE(0), frame]));
    for (const request of frames(toBroker)) {
      const apiKey = request.readInt16BE(0);
      const apiVersion = request.readInt16BE(2);
      const api = API_KEYS[apiKey];
      const wanted =
        api === 'Produce' ? step.startsWith('produce') : api === 'Fetch' ? step === 'consume' : api;
      // One exchange per API version, but every produce step and every request of a metadata step
      // (librdkafka asks for brokers only, then for all topics, at the same version).
      const perStep = apiKey === 0 || (apiKey === 3 && step === 'metadata');
      const key = perStep ? `${step}/${apiKey}/${apiVersion}/${seen.size}` : `${apiKey}/${apiVersion}`;
      if (!api || !wanted || seen.has(key)) continue;
      seen.add(key);
      const response = responses.get(request.readInt32BE(4));
      exchanges.push({
        step,
        api,
        apiKey,
        apiVersion,
        request: request.toString('hex'),
        response: response?.toString('hex') ?? null,
      });
    }
  }
}
process.stdout.write(
  `${JSON.stringify({ client, peer: 'librdkafka in-memory mock cluster (Debian librdkafka 2.0.2)', exchanges }, null, 1)}\n`,
);
