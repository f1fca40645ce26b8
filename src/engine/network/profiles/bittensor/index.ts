// The Bittensor profile: its data, its driver, and its epochs (runEpoch, runMechanismsEpoch for a
// subnet with several mechanisms) on the main thread or the worker pool.
import { runEpoch } from '../../../epoch.js';
import { runMechanismsEpoch } from '../../../mechanisms/epoch.js';
import { DRIVER_STATE } from '../../checkpoint-state.js';
import { mainThreadRunner, poolRunner } from '../../runner.js';
import type { ProfileOf } from '../types.js';
import { BittensorDriver } from './driver.js';
import { BITTENSOR } from './params.js';

export { BITTENSOR, BITTENSOR_PARAMS, splitAlpha } from './params.js';
export { BittensorDriver } from './driver.js';
export type { BittensorCtx } from './apply.js';

export const BITTENSOR_PROFILE: ProfileOf<'bittensor'> = {
  spec: BITTENSOR,
  driver: (scenario, state) => new BittensorDriver(scenario, state),
  runEpoch: (input) => ('mechanisms' in input ? runMechanismsEpoch(input) : runEpoch(input)),
  mainThreadRunner,
  poolRunner: (threads) => poolRunner(threads),
  stateShape: DRIVER_STATE.bittensor!,
};
