// The Commune profile: its data, its driver, and its epochs (runCommuneEpoch), one after the
// other on the main thread (a later subnet's epoch reads an earlier one's credits).
import { runCommuneEpoch } from '../../../commune/epoch.js';
import { DRIVER_STATE } from '../../checkpoint-state.js';
import { sequentialRunner } from '../../runner.js';
import type { ProfileOf } from '../types.js';
import { CommuneDriver } from './driver.js';
import { COMMUNE } from './params.js';

export { COMMUNE, COMMUNE_PARAMS } from './params.js';
export { CommuneDriver } from './driver.js';
export type { CommuneCtx } from './apply.js';

export const COMMUNE_PROFILE: ProfileOf<'commune'> = {
  spec: COMMUNE,
  driver: (scenario, state) => new CommuneDriver(scenario, state),
  runEpoch: (input) => runCommuneEpoch(input),
  mainThreadRunner: () => sequentialRunner((input) => runCommuneEpoch(input)),
  stateShape: DRIVER_STATE.commune!,
};
