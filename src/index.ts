// Pyralog's public entry point for embedding.
export * as protocol from './protocol/index.js';
export { type RunningBroker, type StartBrokerOptions, startBroker } from './server/index.js';
export { VERSION } from './version.js';
