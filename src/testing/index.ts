// src/testing owns test-only fakes: a seeded PRNG and a virtual clock (later an in-memory network and disk).
// It must not be imported by production code, and knows nothing of any module's internals.

export { type EventuallyOptions, eventually } from './eventually.js';
export { SeededRandom } from './seeded-random.js';
export { countSocketWrites, type SocketWriteCounter } from './socket-writes.js';
export { VirtualClock } from './virtual-clock.js';
