// `yuma profile` on a multi-mechanism subnet: every mechanism's epoch profiled as its own
// single-mechanism epoch (per-stage and per-kernel times), plus the split and the per-uid fold.
import { runEpoch } from '../epoch.js';
import { profileEpoch, quantile, type ProfileOptions, type ProfileResult } from '../analysis/profile.js';
import { combineMechanisms, mechanismInputs, mechanismShares } from './epoch.js';
import type { MechanismsInput } from './types.js';

export interface MechanismsProfile {
  /** per mechanism, in order: its share r_k and its epoch's profile */
  mechanisms: { mechanism: number; emission: string; profile: ProfileResult }[];
  /** split_emissions and the per-uid fold (epoch_with_mechanisms' own work), median and p90 ms */
  foldMedianMs: number;
  foldP90Ms: number;
  /** sum of the mechanisms' epoch medians plus the fold median */
  totalMedianMs: number;
}

/** Profiles each mechanism (profileEpoch on its single-mechanism input) and times the split + fold. */
export function profileMechanisms(
  input: MechanismsInput, opts: ProfileOptions & { onMechanism?: (k: number) => void },
): MechanismsProfile {
  const inputs = mechanismInputs(input);
  const shares = mechanismShares(input);
  const mechanisms = inputs.map((m, k) => {
    opts.onMechanism?.(k);
    return { mechanism: k, emission: String(shares[k]), profile: profileEpoch(m, opts) };
  });
  const outs = inputs.map((m) => runEpoch(m));
  const fold: number[] = [];
  for (let r = 0; r < Math.max(1, Math.floor(opts.reps)); r++) {
    const t0 = performance.now();
    combineMechanisms(input, outs);
    fold.push(performance.now() - t0);
  }
  const foldMedianMs = quantile(fold, 0.5);
  return {
    mechanisms,
    foldMedianMs,
    foldP90Ms: quantile(fold, 0.9),
    totalMedianMs: mechanisms.reduce((s, m) => s + m.profile.totalMedianMs, 0) + foldMedianMs,
  };
}
