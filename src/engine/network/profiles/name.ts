// The profiles' names (a leaf module: the scenario format and the emission presets name a
// profile without importing its driver).
export const PROFILE_NAMES = ['bittensor', 'commune'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];
