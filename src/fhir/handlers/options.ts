import type { Deps } from '../../env.js';
import type { FhirContext } from '../context.js';
import { criteriaParams, type Criteria } from '../interactions/criteria.js';
import type { InteractionOptions } from '../interactions/options.js';

/** The interactions' settings for a request: the configured limits and the base it came in on. */
export function interactionOptions(c: FhirContext, deps: Deps): InteractionOptions {
  const { defaultCount, maxCount, maxSearchParams, maxSearchValues, conditionalDeleteMax, maxBodyBytes, maxJsonDepth } = deps.config;
  return {
    search: { defaultCount, maxCount, maxSearchParams, maxSearchValues, base: c.var.fhirBase },
    conditionalDeleteMax,
    maxBodyBytes,
    maxJsonDepth,
  };
}

/** The criteria of PUT, DELETE or PATCH [type]?criteria: the query of the URL. */
export function conditionalQuery(c: FhirContext, type: string): Criteria {
  return criteriaParams(new URL(c.req.url).search, type);
}
