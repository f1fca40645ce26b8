// Deterministic synthetic Commune subnets (for benchmarks), built from the Bittensor generator's
// subnet: same weights, bonds, blocks and permits; stake is the delegated total.
import { syntheticInput, type SyntheticShape } from '../synthetic.js';
import type { CommuneConsensus, CommuneEpochInput } from './types.js';

export function syntheticCommuneInput(
  shape: Omit<SyntheticShape, 'yuma3' | 'liquidAlpha' | 'bondsPenalty'> & { consensus: CommuneConsensus },
): CommuneEpochInput {
  const base = syntheticInput(shape);
  const { n } = base;
  const stake = new BigUint64Array(n);
  for (let i = 0; i < n; i++) stake[i] = base.neurons.alpha_stake[i]! + base.neurons.tao_stake[i]!;
  return {
    consensus: shape.consensus,
    netuid: base.netuid,
    n,
    current_block: base.current_block,
    pending_emission: 578_703_703_700n,
    founder_uid: null,
    hyperparameters: {
      founder_share: 8,
      kappa: 32767,
      activity_cutoff: 3600,
      bonds_moving_average: 900_000,
      max_allowed_validators: null,
      min_validator_stake: 0n,
      use_weights_encryption: false,
      alpha_low: 45875,
      alpha_high: 58982,
    },
    neurons: {
      stake,
      last_update: base.neurons.last_update,
      block_at_registration: base.neurons.block_at_registration,
      validator_permit: base.neurons.validator_permit,
      weight_parent: new Int32Array(n).fill(-1),
      validator_weight_fee: new Uint8Array(n),
    },
    weights: base.weights,
    bonds: base.bonds,
    bond_out_of_range: null,
    ledger: null,
  };
}
