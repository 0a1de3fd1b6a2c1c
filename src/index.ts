// Pyralog's public entry point for embedding.
export * as protocol from './protocol/index.js';
export { VERSION } from './version.js';
