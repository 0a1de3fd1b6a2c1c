import { PyralogError } from '../protocol/index.js';

/**
 * A frame that cannot be trusted: a size prefix below the smallest header or above the configured
 * maximum, an undecodable or unknown-API request header, a response to a correlation id that was
 * never sent. The connection that carried it is closed (and the event logged once and counted);
 * every other connection is unaffected.
 */
export class FrameError extends PyralogError {
  readonly code = 'FRAME_ERROR';
}
