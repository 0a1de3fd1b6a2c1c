/** Turns the spec folder into the full set of generated files (path relative to the output → text). */
import { emitArbitraryIndex, emitArbitraryModule, emitArbitraryPrimitives } from './emit-arbitrary.js';
import { emitModule } from './emit-module.js';
import { emitApiRegistry, emitCoordinatorRecords, emitIndex, emitMetadataRecords } from './emit-registry.js';
import { loadSpecs } from './spec-loader.js';

export function generate(specRoot: string): Map<string, string> {
  const messages = loadSpecs(specRoot);
  const files = new Map<string, string>();
  for (const message of messages) {
    files.set(`${message.module}.ts`, emitModule(message));
    files.set(`arbitraries/${message.module}.ts`, emitArbitraryModule(message));
  }
  files.set('api-registry.ts', emitApiRegistry(messages));
  files.set('metadata-records.ts', emitMetadataRecords(messages));
  files.set('coordinator-records.ts', emitCoordinatorRecords(messages));
  files.set('index.ts', emitIndex(messages));
  files.set('arbitraries/primitives.ts', emitArbitraryPrimitives());
  files.set('arbitraries/index.ts', emitArbitraryIndex(messages));
  return files;
}
