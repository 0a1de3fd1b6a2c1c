/** Emits the registries: API keys with their request/response codecs, metadata records, coordinator records. */
import { banner, descriptorName } from './emit-module.js';
import type { MessageSpec } from './model.js';
import { quote } from './names.js';

/** Kafka's ApiMessageType special cases, which the JSON specs state only in comments. */
const HEADER_V0_REQUEST = 'ControlledShutdownRequest'; // its v0 uses request header v0
const HEADER_V0_RESPONSE = 'ApiVersionsResponse'; // always response header v0, so clients can parse it first

function importLine(message: MessageSpec): string {
  return `import { type ${message.name}, ${descriptorName(message)} } from './${message.module}.js';`;
}

interface Api {
  readonly name: string;
  readonly apiKey: number;
  readonly request: MessageSpec;
  readonly response: MessageSpec;
}

function pairApis(messages: readonly MessageSpec[]): Api[] {
  const responses = new Map<number, MessageSpec>();
  for (const message of messages) {
    if (message.kind === 'response' && message.apiKey !== null) responses.set(message.apiKey, message);
  }
  const apis: Api[] = [];
  for (const request of messages) {
    if (request.kind !== 'request' || request.apiKey === null) continue;
    const response = responses.get(request.apiKey);
    if (response === undefined) throw new Error(`${request.file}: no response with apiKey ${request.apiKey}`);
    const same = (a: { min: number; max: number } | null, b: { min: number; max: number } | null): boolean =>
      a === b || (a !== null && b !== null && a.min === b.min && a.max === b.max);
    if (
      !same(request.validVersions, response.validVersions) ||
      !same(request.flexibleVersions, response.flexibleVersions)
    ) {
      throw new Error(`${request.file}: versions differ from ${response.file}`);
    }
    apis.push({ name: request.name.replace(/Request$/, ''), apiKey: request.apiKey, request, response });
  }
  apis.sort((a, b) => a.apiKey - b.apiKey);
  for (let i = 1; i < apis.length; i++) {
    if (apis[i]!.apiKey === apis[i - 1]!.apiKey) throw new Error(`apiKey ${apis[i]!.apiKey} used twice`);
  }
  return apis;
}

function requestHeaderVersion(api: Api): string {
  const flexible = api.request.flexibleVersions;
  const classic = api.request.name === HEADER_V0_REQUEST ? '(apiVersion === 0 ? 0 : 1)' : '1';
  if (flexible === null) return classic === '1' ? '() => 1' : `(apiVersion) => ${classic}`;
  return `(apiVersion) => (apiVersion >= ${flexible.min} ? 2 : ${classic.replace(/^\((.*)\)$/, '$1')})`;
}

function responseHeaderVersion(api: Api): string {
  const flexible = api.response.flexibleVersions;
  if (api.response.name === HEADER_V0_RESPONSE || flexible === null) return '() => 0';
  return `(apiVersion) => (apiVersion >= ${flexible.min} ? 1 : 0)`;
}

export function emitApiRegistry(messages: readonly MessageSpec[]): string {
  const apis = pairApis(messages);
  const lines = [banner('messages/*Request.json and messages/*Response.json'), ''];
  lines.push("import type { MessageDescriptor, VersionRange } from '../message-codec/index.js';");
  for (const api of apis) lines.push(importLine(api.request), importLine(api.response));
  lines.push('', '/** Kafka API keys by API name (`ApiKey.Produce === 0`). */', 'export const ApiKey = {');
  for (const api of apis) lines.push(`  ${api.name}: ${api.apiKey},`);
  lines.push('} as const;', 'export type ApiKey = (typeof ApiKey)[keyof typeof ApiKey];', '');
  lines.push("/** The kinds of listener that serve an API (the spec's `listeners`). */");
  lines.push("export type Listener = 'broker' | 'controller' | 'zkBroker';", '');
  lines.push(
    '/** One Kafka API: its codecs and the facts a broker or client needs to frame it. */',
    'export interface ApiSpec<Request, Response> {',
    '  readonly apiKey: ApiKey;',
    "  /** The API's name without `Request` (`Produce`). */",
    '  readonly name: string;',
    '  readonly request: MessageDescriptor<Request>;',
    '  readonly response: MessageDescriptor<Response>;',
    '  readonly validVersions: VersionRange;',
    '  /** From this version on, request and response are flexible (compact types, tagged fields). */',
    '  readonly firstFlexibleVersion: number | null;',
    '  /** True when the highest version is still under development (not yet final in Kafka). */',
    '  readonly latestVersionUnstable: boolean;',
    '  readonly listeners: readonly Listener[];',
    '  /** The request header version (0, 1 or 2) that requests of `apiVersion` carry. */',
    '  readonly requestHeaderVersion: (apiVersion: number) => 0 | 1 | 2;',
    '  /** The response header version (0 or 1); ApiVersions always answers with 0. */',
    '  readonly responseHeaderVersion: (apiVersion: number) => 0 | 1;',
    '}',
    '',
  );
  lines.push('/** The request body type of each API key. */', 'export interface RequestBodies {');
  for (const api of apis) lines.push(`  ${api.apiKey}: ${api.request.name};`);
  lines.push('}', '', '/** The response body type of each API key. */', 'export interface ResponseBodies {');
  for (const api of apis) lines.push(`  ${api.apiKey}: ${api.response.name};`);
  lines.push('}', '');
  lines.push('/** Every API by key. */');
  lines.push(
    'export const apis: { readonly [K in ApiKey]: ApiSpec<RequestBodies[K], ResponseBodies[K]> } = {',
  );
  for (const api of apis) {
    const { min, max } = api.request.validVersions;
    const flexible = api.request.flexibleVersions;
    lines.push(
      `  ${api.apiKey}: {`,
      `    apiKey: ${api.apiKey},`,
      `    name: ${quote(api.name)},`,
      `    request: ${descriptorName(api.request)},`,
      `    response: ${descriptorName(api.response)},`,
      `    validVersions: { min: ${min}, max: ${max} },`,
      `    firstFlexibleVersion: ${flexible === null ? 'null' : flexible.min},`,
      `    latestVersionUnstable: ${api.request.latestVersionUnstable},`,
      `    listeners: [${api.request.listeners.map(quote).join(', ')}],`,
      `    requestHeaderVersion: ${requestHeaderVersion(api)},`,
      `    responseHeaderVersion: ${responseHeaderVersion(api)},`,
      '  },',
    );
  }
  lines.push('};', '');
  lines.push(
    'const byKey: ReadonlyMap<number, ApiSpec<unknown, unknown>> = new Map(',
    '  Object.values(apis).map((api): [number, ApiSpec<unknown, unknown>] => [api.apiKey, api]),',
    ');',
    '',
    '/** The API of `apiKey`, or undefined for a key this build does not know. */',
    'export function apiSpec(apiKey: number): ApiSpec<unknown, unknown> | undefined {',
    '  return byKey.get(apiKey);',
    '}',
  );
  return `${lines.join('\n')}\n`;
}

export function emitMetadataRecords(messages: readonly MessageSpec[]): string {
  const records = messages
    .filter((message) => message.kind === 'metadata')
    .sort((a, b) => (a.apiKey ?? 0) - (b.apiKey ?? 0));
  const lines = [banner('metadata/*.json'), ''];
  lines.push("import type { MessageDescriptor } from '../message-codec/index.js';");
  for (const record of records) lines.push(importLine(record));
  lines.push('', '/** KRaft metadata record types by name: the `apiKey` of each metadata record spec. */');
  lines.push('export const MetadataRecordType = {');
  for (const record of records) lines.push(`  ${record.name}: ${record.apiKey},`);
  lines.push('} as const;');
  lines.push(
    'export type MetadataRecordType = (typeof MetadataRecordType)[keyof typeof MetadataRecordType];',
    '',
  );
  lines.push('/** The value type of each metadata record type. */', 'export interface MetadataRecords {');
  for (const record of records) lines.push(`  ${record.apiKey}: ${record.name};`);
  lines.push('}', '', '/** The codec of each metadata record type. */');
  lines.push('export const metadataRecords: {');
  lines.push('  readonly [K in MetadataRecordType]: MessageDescriptor<MetadataRecords[K]>;');
  lines.push('} = {');
  for (const record of records) lines.push(`  ${record.apiKey}: ${descriptorName(record)},`);
  lines.push('};', '');
  lines.push(
    'const byType: ReadonlyMap<number, MessageDescriptor<unknown>> = new Map(',
    '  Object.values(metadataRecords).map((record): [number, MessageDescriptor<unknown>] => [record.apiKey ?? -1, record]),',
    ');',
    '',
    '/** The codec of a metadata record type, or undefined for a type this build does not know. */',
    'export function metadataRecordDescriptor(recordType: number): MessageDescriptor<unknown> | undefined {',
    '  return byType.get(recordType);',
    '}',
  );
  return `${lines.join('\n')}\n`;
}

const COORDINATORS = [
  { folder: 'group-coordinator', constant: 'groupCoordinatorRecords', topic: '__consumer_offsets' },
  {
    folder: 'transaction-coordinator',
    constant: 'transactionCoordinatorRecords',
    topic: '__transaction_state',
  },
  { folder: 'share-coordinator', constant: 'shareCoordinatorRecords', topic: '__share_group_state' },
] as const;

export function emitCoordinatorRecords(messages: readonly MessageSpec[]): string {
  const lines = [banner('group-coordinator/, transaction-coordinator/ and share-coordinator/'), ''];
  lines.push("import type { MessageDescriptor } from '../message-codec/index.js';");
  const sections: string[] = [];
  const imports: string[] = [];
  for (const { folder, constant, topic } of COORDINATORS) {
    const inFolder = messages.filter((message) => message.file.startsWith(`${folder}/`));
    const byName = new Map(inFolder.map((message) => [message.name, message]));
    const entries: Array<{ type: number; key: MessageSpec; value: MessageSpec }> = [];
    for (const key of inFolder) {
      if (!key.name.endsWith('Key')) continue;
      const value = byName.get(`${key.name.slice(0, -'Key'.length)}Value`);
      if (value === undefined) throw new Error(`${key.file}: no matching Value schema`);
      imports.push(`import { ${descriptorName(key)} } from './${key.module}.js';`);
      imports.push(`import { ${descriptorName(value)} } from './${value.module}.js';`);
      for (let type = key.validVersions.min; type <= key.validVersions.max; type++)
        entries.push({ type, key, value });
    }
    entries.sort((a, b) => a.type - b.type);
    sections.push(
      '',
      `/** The records of ${topic}, by record type (the version of the record key). */`,
      `export const ${constant}: ReadonlyMap<number, CoordinatorRecordSchema> = new Map([`,
      ...entries.map(({ type, key, value }) => {
        const entry = `{ recordType: ${type}, key: ${descriptorName(key)}, value: ${descriptorName(value)} }`;
        return entry.length + 10 <= 110
          ? `  [${type}, ${entry}],`
          : `  [\n    ${type},\n    {\n      recordType: ${type},\n      key: ${descriptorName(key)},\n      value: ${descriptorName(value)},\n    },\n  ],`;
      }),
      ']);',
    );
  }
  lines.push(...imports.sort(), '');
  lines.push(
    '/**',
    " * The key and value schemas of one record type in a coordinator's internal topic. The key is written",
    ' * with version = recordType (an int16 before the key); the value carries its own version.',
    ' */',
    'export interface CoordinatorRecordSchema {',
    '  readonly recordType: number;',
    '  readonly key: MessageDescriptor<unknown>;',
    '  readonly value: MessageDescriptor<unknown>;',
    '}',
  );
  lines.push(...sections);
  return `${lines.join('\n')}\n`;
}

export function emitIndex(messages: readonly MessageSpec[]): string {
  const lines = [banner('every spec'), ''];
  lines.push(
    '// Kafka message codecs, one module per spec, plus the registries of APIs, metadata records and',
    '// coordinator records. Arbitraries (fast-check) live in ./arbitraries and are for tests only.',
  );
  lines.push("export * from './api-registry.js';", "export * from './coordinator-records.js';");
  lines.push("export * from './metadata-records.js';");
  for (const message of messages) lines.push(`export * from './${message.module}.js';`);
  return `${lines.join('\n')}\n`;
}
