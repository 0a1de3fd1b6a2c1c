/** Reads Kafka's JSON message specs (with `//` comments) into the model the emitters use. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FieldSpec, FieldType, MessageKind, MessageSpec, PrimitiveName, StructSpec } from './model.js';
import { camelCase, kebabCase, prefixedStructTypeName, structTypeName } from './names.js';
import { hull, intersect, parseVersions, type Versions } from './versions.js';

/** The spec folders the generator reads, in this order. */
export const SPEC_FOLDERS = [
  'messages',
  'group-coordinator',
  'transaction-coordinator',
  'share-coordinator',
  'metadata',
  'raft',
] as const;

/** Specs nest structs a few levels deep; the decoders recurse once per level, so bound it. */
export const MAX_STRUCT_DEPTH = 8;

const PRIMITIVES: ReadonlySet<string> = new Set<PrimitiveName>([
  'bool',
  'int8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'float64',
  'uuid',
  'string',
  'bytes',
  'records',
]);

const KINDS: ReadonlySet<string> = new Set<MessageKind>([
  'request',
  'response',
  'header',
  'data',
  'metadata',
]);

/** Removes `//` comments outside string literals. */
export function stripComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (inString) {
      out += char;
      if (char === '\\') out += text[++i] ?? '';
      else if (char === '"') inString = false;
    } else if (char === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else {
      if (char === '"') inString = true;
      out += char;
    }
  }
  return out;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(json: Json, key: string, where: string): string {
  const value = json[key];
  if (typeof value !== 'string') throw new Error(`${where}: "${key}" must be a string`);
  return value;
}

function optionalText(json: Json, key: string, where: string): string | undefined {
  return json[key] === undefined ? undefined : text(json, key, where);
}

function objects(json: Json, key: string, where: string): Json[] {
  const value = json[key] ?? [];
  if (!Array.isArray(value) || !value.every(isObject))
    throw new Error(`${where}: "${key}" must list objects`);
  return value;
}

/** Builds the structs of one message: inline ones from fields, named ones from commonStructs. */
class StructBuilder {
  private readonly structs = new Map<string, StructSpec>();
  private readonly common = new Map<string, Json>();
  readonly order: StructSpec[] = [];

  constructor(
    private readonly messageName: string,
    private readonly where: string,
    commonStructs: Json[],
  ) {
    for (const struct of commonStructs) this.common.set(text(struct, 'name', where), struct);
  }

  build(specName: string, fieldsJson: Json[], isRoot: boolean): StructSpec {
    if (this.structs.has(specName)) throw new Error(`${this.where}: struct ${specName} is defined twice`);
    const struct: StructSpec = {
      specName,
      typeName: isRoot ? specName : structTypeName(this.messageName, specName),
      fields: [],
      versions: null,
      usedAsField: false,
    };
    this.structs.set(specName, struct);
    if (!isRoot) this.order.push(struct);
    (struct.fields as FieldSpec[]).push(...fieldsJson.map((field) => this.field(field, specName)));
    return struct;
  }

  private field(json: Json, structName: string): FieldSpec {
    const name = text(json, 'name', this.where);
    const where = `${this.where} ${structName}.${name}`;
    const typeText = text(json, 'type', where);
    const taggedText = optionalText(json, 'taggedVersions', where);
    const versionsText = optionalText(json, 'versions', where) ?? taggedText;
    if (versionsText === undefined) throw new Error(`${where}: no versions`);
    const flexibleText = optionalText(json, 'flexibleVersions', where);
    const nullableText = optionalText(json, 'nullableVersions', where);
    // A few specs write the tag as a string ("tag": "0"); Kafka's generator accepts both.
    const rawTag = json['tag'];
    const tag = typeof rawTag === 'string' && /^\d+$/.test(rawTag) ? Number(rawTag) : rawTag;
    if (tag !== undefined && (typeof tag !== 'number' || !Number.isInteger(tag) || tag < 0)) {
      throw new Error(`${where}: bad tag`);
    }
    if ((tag === undefined) !== (taggedText === undefined)) {
      throw new Error(`${where}: tag and taggedVersions go together`);
    }
    const rawDefault = json['default'];
    if (
      rawDefault !== undefined &&
      rawDefault !== null &&
      !['string', 'number', 'boolean'].includes(typeof rawDefault)
    ) {
      throw new Error(`${where}: unsupported default ${JSON.stringify(rawDefault)}`);
    }
    const ignorable = json['ignorable'];
    if (ignorable !== undefined && typeof ignorable !== 'boolean') throw new Error(`${where}: bad ignorable`);
    const nested = json['fields'] === undefined ? undefined : objects(json, 'fields', where);
    return {
      name,
      property: camelCase(name),
      type: this.type(typeText, nested, where),
      versions: parseVersions(versionsText, where),
      nullableVersions: nullableText === undefined ? null : parseVersions(nullableText, where),
      taggedVersions: taggedText === undefined ? null : parseVersions(taggedText, where),
      tag: tag === undefined ? null : tag,
      flexibleVersions: flexibleText === undefined ? undefined : parseVersions(flexibleText, where),
      ignorable: ignorable === true,
      // JSON null (`"default": null`) means the same as the usual string "null".
      defaultText: rawDefault === undefined ? undefined : String(rawDefault),
      about: optionalText(json, 'about', where),
    };
  }

  private type(typeText: string, nested: Json[] | undefined, where: string): FieldType {
    if (typeText.startsWith('[]')) {
      const element = this.type(typeText.slice(2), nested, where);
      if (element.kind === 'array') throw new Error(`${where}: arrays of arrays are not supported`);
      return { kind: 'array', element };
    }
    if (PRIMITIVES.has(typeText)) {
      if (nested !== undefined) throw new Error(`${where}: a primitive type cannot have fields`);
      return { kind: 'primitive', name: typeText as PrimitiveName };
    }
    if (!/^[A-Z][A-Za-z0-9]*$/.test(typeText)) throw new Error(`${where}: unknown type ${typeText}`);
    if (nested !== undefined) return { kind: 'struct', struct: this.build(typeText, nested, false) };
    const existing = this.structs.get(typeText);
    if (existing !== undefined) return { kind: 'struct', struct: existing };
    const common = this.common.get(typeText);
    if (common === undefined) throw new Error(`${where}: unknown struct ${typeText}`);
    return { kind: 'struct', struct: this.build(typeText, objects(common, 'fields', where), false) };
  }

  checkAllCommonStructsUsed(): void {
    for (const name of this.common.keys()) {
      if (!this.structs.has(name)) throw new Error(`${this.where}: common struct ${name} is never used`);
    }
  }
}

/**
 * Marks the versions in which each struct can appear, walking from the root; a struct reached again
 * with more versions is walked again, so common structs used in several places get the union.
 */
function markVersions(struct: StructSpec, versions: Versions | null): void {
  const grown = hull(struct.versions, versions);
  const before = struct.versions;
  if (grown === null || (before !== null && before.min === grown.min && before.max === grown.max)) return;
  struct.versions = grown;
  for (const field of struct.fields) {
    const element = field.type.kind === 'array' ? field.type.element : field.type;
    if (element.kind !== 'struct') continue;
    if (field.type.kind === 'struct') element.struct.usedAsField = true;
    markVersions(element.struct, intersect(field.versions, grown));
  }
}

/** How deeply structs nest below `struct`; the decoders recurse once per level, so this bounds the stack. */
function nestingDepth(struct: StructSpec, depth: number, where: string): number {
  if (depth > MAX_STRUCT_DEPTH) throw new Error(`${where}: structs nest deeper than ${MAX_STRUCT_DEPTH}`);
  let deepest = depth;
  for (const field of struct.fields) {
    const element = field.type.kind === 'array' ? field.type.element : field.type;
    if (element.kind === 'struct')
      deepest = Math.max(deepest, nestingDepth(element.struct, depth + 1, where));
  }
  return deepest;
}

export function loadMessage(specRoot: string, file: string): MessageSpec {
  const json: unknown = JSON.parse(stripComments(readFileSync(join(specRoot, file), 'utf8')));
  if (!isObject(json)) throw new Error(`${file}: not a JSON object`);
  const name = text(json, 'name', file);
  const kind = text(json, 'type', file);
  if (!KINDS.has(kind)) throw new Error(`${file}: unknown type ${kind}`);
  const validVersions = parseVersions(text(json, 'validVersions', file), file);
  if (validVersions === null) throw new Error(`${file}: no valid versions`);
  const flexibleVersions = parseVersions(text(json, 'flexibleVersions', file), file);
  const apiKey = json['apiKey'];
  if (apiKey !== undefined && (typeof apiKey !== 'number' || !Number.isInteger(apiKey))) {
    throw new Error(`${file}: bad apiKey`);
  }
  const listeners = json['listeners'] ?? [];
  if (!Array.isArray(listeners) || !listeners.every((entry) => typeof entry === 'string')) {
    throw new Error(`${file}: bad listeners`);
  }
  const builder = new StructBuilder(name, file, objects(json, 'commonStructs', file));
  const root = builder.build(name, objects(json, 'fields', file), true);
  builder.checkAllCommonStructsUsed();
  markVersions(root, validVersions);
  for (const struct of builder.order) {
    if (struct.versions === null)
      throw new Error(`${file}: struct ${struct.specName} appears in no valid version`);
  }
  const depth = nestingDepth(root, 0, file);
  return {
    file,
    name,
    kind: kind as MessageKind,
    apiKey: apiKey === undefined ? null : apiKey,
    validVersions,
    flexibleVersions,
    latestVersionUnstable: json['latestVersionUnstable'] === true,
    listeners,
    root,
    structs: builder.order,
    module: kebabCase(name),
    depth,
  };
}

/** Every spec under the spec root, folder by folder, files sorted by name. */
export function loadSpecs(specRoot: string): MessageSpec[] {
  const messages: MessageSpec[] = [];
  for (const folder of SPEC_FOLDERS) {
    const files = readdirSync(join(specRoot, folder))
      .filter((name) => name.endsWith('.json'))
      .sort();
    for (const file of files) messages.push(loadMessage(specRoot, `${folder}/${file}`));
  }
  checkUniqueNames(messages);
  return messages;
}

/**
 * Makes every module and type name unique: a nested struct that kept its spec name (see
 * structTypeName) gets the message name in front when another message has a struct of that name.
 */
function checkUniqueNames(messages: readonly MessageSpec[]): void {
  const owners = new Map<string, number>();
  for (const message of messages) {
    for (const struct of message.structs) owners.set(struct.typeName, (owners.get(struct.typeName) ?? 0) + 1);
  }
  for (const message of messages) {
    for (const struct of message.structs) {
      if ((owners.get(struct.typeName) ?? 0) > 1)
        struct.typeName = prefixedStructTypeName(message.name, struct.specName);
    }
  }
  const seen = new Map<string, string>();
  const claim = (name: string, owner: string): void => {
    const previous = seen.get(name);
    if (previous !== undefined) throw new Error(`name ${name} of ${owner} clashes with ${previous}`);
    seen.set(name, owner);
  };
  for (const message of messages) {
    claim(`module:${message.module}`, message.file);
    for (const struct of [message.root, ...message.structs]) claim(struct.typeName, message.file);
  }
}
