// The profile registry: each profile's data, driver, epoch function and runners, by name.
import { BITTENSOR_PROFILE } from './bittensor/index.js';
import { COMMUNE_PROFILE } from './commune/index.js';
import type { ProfileName, ProfileOf } from './types.js';

const PROFILES: { [P in ProfileName]: ProfileOf<P> } = {
  bittensor: BITTENSOR_PROFILE,
  commune: COMMUNE_PROFILE,
};

/** The registered profile of that name. */
export function profileOf<P extends ProfileName>(name: P): ProfileOf<P> {
  return PROFILES[name];
}
