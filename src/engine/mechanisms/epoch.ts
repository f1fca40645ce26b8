// One epoch of a multi-mechanism subnet (docs/spec/mechanisms.md 3.3 and 4): the emission split,
// one ordinary epoch per mechanism on the same kernels as runEpoch, and the per-uid fold.
import { runEpoch, type EpochOptions } from '../epoch.js';
import type { EpochInput, EpochOutput } from '../types.js';
import { aggregate } from './aggregate.js';
import { mechanismWeights, splitEmissions } from './split.js';
import type { MechanismResult, MechanismsInput, MechanismsOutput } from './types.js';

/** Each mechanism's share r_k of the subnet's emission (split_emissions). */
export function mechanismShares(input: MechanismsInput): bigint[] {
  return splitEmissions(input.rao_emission, input.mechanisms.length, input.emission_split);
}

/**
 * The single-mechanism epoch input of every mechanism: the per-subnet fields (shared arrays,
 * not copied) plus the mechanism's own last updates, commits, weights and bonds, with its
 * share r_k as the emission (docs/spec/mechanisms.md 3.3).
 */
export function mechanismInputs(input: MechanismsInput): EpochInput[] {
  const shares = mechanismShares(input);
  const { mechanisms: _m, emission_split: _s, neurons, ...subnet } = input;
  return input.mechanisms.map((m, k) => ({
    ...subnet,
    rao_emission: shares[k]!,
    neurons: { ...neurons, last_update: m.last_update, commit_block: m.commit_block },
    weights: m.weights,
    bonds: m.bonds,
  }));
}

/**
 * The subnet's output from its mechanisms' outputs (in mechanism order, as runEpoch on
 * mechanismInputs(input) returns them): the aggregate and each mechanism's own results.
 */
export function combineMechanisms(input: MechanismsInput, outs: readonly EpochOutput[]): MechanismsOutput {
  const shares = mechanismShares(input);
  const neurons = aggregate(outs, mechanismWeights(shares, input.rao_emission));
  const mechanisms = outs.map((o, k): MechanismResult => {
    const r: MechanismResult = {
      emission: shares[k]!,
      incentive: o.neurons.incentive,
      server_emission: o.neurons.server_emission,
      validator_emission: o.neurons.validator_emission,
      bonds: o.bonds,
    };
    if (o.trace) r.trace = o.trace;
    return r;
  });
  return { netuid: input.netuid, n: input.n, neurons, mechanisms };
}

/** One epoch of a multi-mechanism subnet, synchronously on this thread (runEpoch per mechanism). */
export function runMechanismsEpoch(input: MechanismsInput, options: Omit<EpochOptions, 'onStage'> = {}): MechanismsOutput {
  return combineMechanisms(input, mechanismInputs(input).map((m) => runEpoch(m, options)));
}
