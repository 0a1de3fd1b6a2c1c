// Worker threads do not inherit tsx's loader for their entry file on Node 20: register it, then load
// the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./fuzz-worker.ts');
