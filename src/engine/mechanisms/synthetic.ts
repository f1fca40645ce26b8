// Deterministic synthetic multi-mechanism subnets (benchmarks, pool tests): the per-subnet
// fields of syntheticInput(shape), and per mechanism the weights and bonds of another seed.
import { syntheticInput, type SyntheticShape } from '../synthetic.js';
import type { MechanismsInput } from './types.js';

export interface SyntheticMechanismsShape extends SyntheticShape {
  /** mechanisms (1..16) */
  mechanisms: number;
  /** MechanismEmissionSplit (default: unset, the even split) */
  emissionSplit?: number[] | null;
}

export function syntheticMechanismsInput(shape: SyntheticMechanismsShape): MechanismsInput {
  const { mechanisms: count, emissionSplit, ...one } = shape;
  const seed = one.seed ?? 1;
  const { weights: _w, bonds: _b, neurons, ...subnet } = syntheticInput({ ...one, seed });
  const { last_update: _l, commit_block: _c, ...shared } = neurons;
  const mechanisms = Array.from({ length: count }, (_, k) => {
    const m = syntheticInput({ ...one, seed: seed + 7919 * (k + 1) });
    return { last_update: m.neurons.last_update, commit_block: null, weights: m.weights, bonds: m.bonds };
  });
  return { ...subnet, neurons: shared, emission_split: emissionSplit ?? null, mechanisms };
}
