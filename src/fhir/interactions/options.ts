import type { SearchOptions } from './criteria.js';

/** What the interactions need of the configuration, the same over HTTP and in a Bundle. */
export interface InteractionOptions {
  search: SearchOptions;
  /** CONDITIONAL_DELETE_MAX: the most resources one conditional delete may remove. */
  conditionalDeleteMax: number;
  /** MAX_BODY_BYTES: the most a patch may grow its resource to. */
  maxBodyBytes: number;
  /** MAX_JSON_DEPTH, for the JSON Patch a Binary entry carries (the body check cannot see into it). */
  maxJsonDepth: number;
}
