// One epoch of a Commune subnet (spec/commune.md; format: the Commune profile of
// spec/epoch-io.md): the outcome rules of 3.1 and 3.5, the founder share (3.2), Yuma (1) or
// Linear (2), the emission split (1.7), the outputs written to storage (1.8) and the ledger
// credit (3.4). The delayed encrypted-weights path (1.10) is out of scope, as in the format:
// `use_weights_encryption` only selects the liquid-alpha EMA.
import type { Kernels } from '../kernels.js';
import { defaultKernels } from '../wasm.js';
import { founderSplit, emissionSplit, pruningScores } from './emission.js';
import { toU16 } from './fixed.js';
import { communeYuma } from './yuma.js';
import { communeLinear } from './linear.js';
import { creditStake } from './ledger.js';
import type { ConsensusRun } from './result.js';
import { validateCommuneInput } from './validate.js';
import type { CommuneBonds, CommuneEpochInput, CommuneEpochOutput, CommuneNeurons } from './types.js';

export interface CommuneEpochOptions {
  /** include the raw I32F32 intermediate vectors (output `trace`) */
  trace?: boolean;
  /** the kernels to run on (default: this thread's WASM instance) */
  kernels?: Kernels;
}

/** The chain's error when a stored bond points at a uid >= n (3.5). */
export const BONDS_BROKEN = 'Other("bonds storage is broken")';

const U64_MAX = (1n << 64n) - 1n;

/** One Commune epoch; the input is checked first (validateCommuneInput: an InputError naming the field). */
export function runCommuneEpoch(input: CommuneEpochInput, options: CommuneEpochOptions = {}): CommuneEpochOutput {
  validateCommuneInput(input);
  const { n } = input;
  const hp = input.hyperparameters;
  const out: CommuneEpochOutput = {
    consensus: input.consensus,
    netuid: input.netuid,
    n,
    outcome: 'ok',
    error: null,
    token_emission: 0n,
    founder_emission: 0n,
    total_emitted: 0n,
    neurons: null,
    bonds: null,
    credits: null,
  };
  // 3.1: an epoch runs only with pending emission; Linear with no module is "no weights"
  // (pending kept); a Yuma subnet with no module runs and pays the founder
  if (input.pending_emission === 0n) return { ...out, outcome: 'skipped' };
  if (input.consensus === 'linear' && n === 0) return { ...out, outcome: 'no_weights' };
  // 3.5 (1.6.1, 2.11): a stored bond column >= n aborts the epoch, everything rolled back
  if (input.bond_out_of_range !== null) return { ...out, outcome: 'failed', error: BONDS_BROKEN };

  // 3.2 founder share
  const { founder, tau } = founderSplit(input.pending_emission, hp.founder_share);
  // 1 / 2 consensus
  const k = options.kernels ?? defaultKernels();
  const run = input.consensus === 'yuma' ? communeYuma(input, k) : communeLinear(input, k);
  // 1.7 emission split of the token emission after the founder share
  const split = emissionSplit(run.incentive, run.dividends, run.activeStake, run.stake, tau);
  // 3.4 ledger credit, and the chain's sanity check on the total
  const { credits, total } = creditStake(split.server, split.validator, input.ledger);
  const emitted = founder + total > U64_MAX ? U64_MAX : founder + total;
  if (emitted > founder + tau) {
    return { ...out, outcome: 'failed', error: `EmittedMoreThanExpected { emitted: ${emitted}, expected: ${founder + tau} }` };
  }

  // 1.8 outputs written to storage
  const u16 = (v: BigInt64Array) => Uint16Array.from(v, toU16);
  const neurons: CommuneNeurons = {
    active: run.active,
    consensus: u16(run.consensus),
    trust: u16(run.trust),
    validator_trust: u16(run.validatorTrust),
    rank: u16(run.ranks),
    incentive: u16(run.incentive),
    dividend: u16(run.dividends),
    pruning_score: pruningScores(split.combinedShare),
    new_validator_permit: run.newPermit,
    server_emission: split.server,
    validator_emission: split.validator,
    emission: split.combined,
  };
  const result: CommuneEpochOutput = {
    ...out,
    token_emission: tau,
    founder_emission: founder,
    total_emitted: emitted,
    neurons,
    bonds: storedBonds(input, run),
    credits,
  };
  if (options.trace) {
    result.trace = {
      stake: run.stake,
      active_stake: run.activeStake,
      consensus: run.consensus,
      preranks: run.preranks,
      validator_trust: run.validatorTrust,
      ranks: run.ranks,
      trust: run.trust,
      incentive: run.incentive,
      dividends_raw: run.dividendsRaw,
      dividends_after_fee: run.dividendsAfterFee,
      dividends: run.dividends,
      liquid_alpha_params: run.liquidAlpha?.params ?? null,
      liquid_alpha: run.liquidAlpha?.alpha ?? null,
      miner_share: split.minerShare,
      validator_share: split.validatorShare,
      combined_share: split.combinedShare,
    };
  }
  return result;
}

/**
 * 1.8 bond rows: a uid with a new permit stores its new row; otherwise its row is cleared
 * when there is no validator cap or it held a permit, and left unchanged (null) else.
 * (Subtensor only clears previous permit holders' rows.)
 */
function storedBonds(input: CommuneEpochInput, run: ConsensusRun): CommuneBonds {
  const { n } = input;
  const uncapped = input.hyperparameters.max_allowed_validators === null;
  const permit = input.neurons.validator_permit;
  const src = run.bondRows;
  const unchanged = new Uint8Array(n);
  const rowPtr = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) {
    const keep = run.newPermit[i] === 1;
    if (!keep && !uncapped && !permit[i]) unchanged[i] = 1;
    rowPtr[i + 1] = rowPtr[i]! + (keep ? src.rowPtr[i + 1]! - src.rowPtr[i]! : 0);
  }
  const col = new Uint32Array(rowPtr[n]!);
  const val = new Uint16Array(rowPtr[n]!);
  for (let i = 0; i < n; i++) {
    if (run.newPermit[i] !== 1) continue;
    col.set(src.col.subarray(src.rowPtr[i], src.rowPtr[i + 1]), rowPtr[i]);
    val.set(src.val.subarray(src.rowPtr[i], src.rowPtr[i + 1]), rowPtr[i]);
  }
  return { rows: { rowPtr, col, val }, unchanged };
}
