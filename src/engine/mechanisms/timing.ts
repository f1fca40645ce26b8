// `yuma profile` on a multi-mechanism subnet: every mechanism's epoch timed as its own
// single-mechanism epoch (per-stage and per-kernel times), plus the split and the per-uid fold.
import { runEpoch } from '../epoch.js';
import { timeEpoch, quantile, type EpochTimingOptions, type EpochTiming } from '../analysis/epoch-timing.js';
import { combineMechanisms, mechanismInputs, mechanismShares } from './epoch.js';
import type { MechanismsInput } from './types.js';

export interface MechanismsTiming {
  /** per mechanism, in order: its share r_k and its epoch's timing (`profile`: the key `yuma profile --json` writes) */
  mechanisms: { mechanism: number; emission: string; profile: EpochTiming }[];
  /** split_emissions and the per-uid fold (epoch_with_mechanisms' own work), median and p90 ms */
  foldMedianMs: number;
  foldP90Ms: number;
  /** sum of the mechanisms' epoch medians plus the fold median */
  totalMedianMs: number;
}

/** Times each mechanism (timeEpoch on its single-mechanism input) and times the split + fold. */
export function timeMechanisms(
  input: MechanismsInput, opts: EpochTimingOptions & { onMechanism?: (k: number) => void },
): MechanismsTiming {
  const inputs = mechanismInputs(input);
  const shares = mechanismShares(input);
  const mechanisms = inputs.map((m, k) => {
    opts.onMechanism?.(k);
    return { mechanism: k, emission: String(shares[k]), profile: timeEpoch(m, opts) };
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
