// Per-stage cost of one epoch (the stages of spec/yuma-stages.md, as runEpoch reports them),
// and per-kernel time of the WASM kernels against the TypeScript reference kernels.
import { runEpoch, EPOCH_STAGES, type EpochStage } from '../epoch.js';
import type { Kernels } from '../kernels.js';
import { createWasmKernels } from '../wasm.js';
import { createReferenceKernels } from '../reference.js';
import { compareOutputs, describeMismatch } from '../compare.js';
import type { EpochInput, EpochOutput } from '../types.js';

/** A Kernels method name (kernels.ts); `alloc` carves an epoch's buffers. */
export type KernelMethod = string;

export interface KernelCall {
  kernel: KernelMethod;
  ms: number;
  /** what the kernel returned (entry counts for the matrix producers) */
  result: unknown;
}

/** Every method of a Kernels object (own and inherited), whatever the implementation has. */
function methodNames(k: object): string[] {
  const names = new Set<string>();
  for (let o: object | null = k; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) {
      if (name !== 'constructor' && typeof (k as Record<string, unknown>)[name] === 'function') names.add(name);
    }
  }
  return [...names];
}

/** Wraps kernels so that every method call is timed and recorded (the wrapped object is untouched). */
export function timedKernels(inner: Kernels): { kernels: Kernels; calls: KernelCall[] } {
  const calls: KernelCall[] = [];
  const wrapper: Record<string, unknown> = { name: `${inner.name}+timed` };
  for (const name of methodNames(inner)) {
    const fn = (inner as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!;
    wrapper[name] = (...args: unknown[]) => {
      const t0 = performance.now();
      const result = fn.apply(inner, args);
      calls.push({ kernel: name, ms: performance.now() - t0, result });
      return result;
    };
  }
  return { kernels: wrapper as unknown as Kernels, calls };
}

/** The q-quantile of samples (nearest rank on the sorted copy; q = 0.5 interpolates). */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return NaN;
  const s = [...samples].sort((a, b) => a - b);
  if (q === 0.5) {
    const m = s.length >> 1;
    return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  }
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

/** Entry counts of one run, as the kernels returned them. */
export interface EpochCounts {
  n: number;
  /** weight entries in the input */
  weightsIn: number;
  /** after the masks (2.5) */
  weights: number;
  /** weights for bonds (2.10; = weights when bonds_penalty is 0) */
  weightsForBonds: number;
  bondsIn: number;
  /** after the recent-registration mask (2.11) */
  bonds: number;
  /** the new bonds (EMA) */
  ema: number;
  /** stored bond entries in the output */
  stored: number;
  /** the bonds went through a separate load kernel (Yuma3) rather than straight into the EMA */
  bondsLoaded: boolean;
}

export function countsOf(input: EpochInput, calls: readonly KernelCall[], out: EpochOutput): EpochCounts {
  const ret = (pred: (k: string) => boolean) => {
    const c = calls.find((c) => pred(c.kernel) && typeof c.result === 'number');
    return c ? (c.result as number) : undefined;
  };
  const weights = ret((k) => k === 'prepareWeights') ?? input.weights.col.length;
  return {
    n: input.n,
    weightsIn: input.weights.col.length,
    weights,
    weightsForBonds: input.hyperparameters.bonds_penalty === 0 ? weights : (ret((k) => k === 'clip') ?? weights),
    bondsIn: input.bonds.col.length,
    bonds: ret((k) => k === 'loadBonds') ?? input.bonds.col.length,
    ema: ret((k) => k.startsWith('ema') && !k.includes('Dividends')) ?? out.bonds.col.length,
    stored: out.bonds.col.length,
    bondsLoaded: calls.some((c) => c.kernel === 'loadBonds'),
  };
}

/**
 * Bytes touched per stage (a model, from the arrays each stage of epoch.ts reads or writes,
 * each counted once at its used length; CSR = rowPtr u32[n+1] + col u32 + value): a measure of
 * the memory traffic a stage cannot avoid, not a hardware counter.
 */
export function stageBytes(c: EpochCounts, yuma3: boolean, commitReveal: boolean): Record<EpochStage, number> {
  const n = c.n;
  const ptr = 4 * (n + 1);
  const csr16 = (nnz: number) => ptr + 6 * nnz; // u16 values
  const csr64 = (nnz: number) => ptr + 12 * nnz; // raw I32F32 values
  const vec = 8 * n;
  return {
    activity: 8 * n * 2 + 2 * n, // last_update, block_at_registration -> active, recent
    stake: 8 * n * 2 + 2 * vec, // alpha, tao -> stake (i64) and raw stake (u64)
    permits: n + vec + 2 * n, // permits, stake -> forbid, new permits
    active_stake: 2 * n + vec + vec, // active, forbid, stake -> a (normalized in place)
    // the input CSR and masks copied into kernel memory, then masked + normalized W
    weights: 2 * csr16(c.weightsIn) + 2 * (n + 16 * n + (commitReveal ? 8 * n : 0)) + csr64(c.weights),
    // W, a -> u, per-column gather (score + weight per entry), C
    consensus: csr64(c.weights) + 3 * vec + ptr + 4 * n + 16 * c.weights + 2048,
    // W, C, a -> VT, R (normalized), Wb
    clip_trust_ranks: csr64(c.weights) + 4 * vec + (c.weightsForBonds === c.weights && yuma3 ? 0 : csr64(c.weightsForBonds)),
    // the u16 bonds and the recent mask copied into kernel memory (Yuma3: then loaded as raw)
    bonds_load: 2 * csr16(c.bondsIn) + 2 * n + (c.bondsLoaded ? csr64(c.bonds) + vec : 0),
    ema_bonds: yuma3
      ? csr64(c.weightsForBonds) + csr64(c.bonds) + csr64(c.ema) + 2 * vec
      : c.bondsLoaded
        ? csr64(c.weightsForBonds) + 8 * c.weightsForBonds + csr64(c.bonds) + csr64(c.ema) + 2 * vec
        : // original Yuma in one pass: W, C, a and the u16 bonds in, the EMA, three column sums
          // and its column maxima out
          csr64(c.weights) + 2 * vec + csr16(c.bondsIn) + n + csr64(c.ema) + 4 * vec,
    // original Yuma: the EMA in, Div and the stored u16 bonds out
    dividends: csr64(c.ema) + (yuma3 ? 4 * vec : 5 * vec + 2 * c.ema),
    emission: 4 * vec + 3 * vec,
    // five u16 vectors, the emission copies, (Yuma3) the EMA's u16, the stored bond rows
    outputs: 5 * (vec + 2 * n) + 6 * vec + (yuma3 ? 10 * c.ema : 0) + ptr + csr16(c.stored) + 2 * n,
  };
}

export interface StageStat {
  stage: EpochStage;
  medianMs: number;
  p90Ms: number;
  /** this stage's median over the sum of all stages' medians (robust to the odd slow rep) */
  share: number;
  bytes: number;
}

export interface KernelStat {
  kernel: KernelMethod;
  /** calls per epoch */
  calls: number;
  /** per epoch (all calls of the kernel), median over reps */
  wasmMs: number;
  refMs: number | null;
  /** refMs / wasmMs */
  ratio: number | null;
}

/**
 * The bond EMA that actually ran (docs/spec/yuma.md 2.12-2.13): original Yuma's fixed alpha;
 * Yuma3's fixed alpha (also when liquid alpha is on but every consensus value is zero); Yuma3's
 * liquid alpha. Original Yuma ignores liquid_alpha.
 */
export type EmaRun = 'original' | 'fixed' | 'liquid';

/** Which EMA the recorded kernel calls show. */
export function emaRun(calls: readonly KernelCall[]): EmaRun {
  const names = new Set(calls.map((c) => c.kernel));
  return names.has('emaLiquid') ? 'liquid' : names.has('emaFixed') ? 'fixed' : 'original';
}

export interface EpochTiming {
  shape: { n: number; weights: number; bonds: number; yuma3: boolean; liquidAlpha: boolean; bondsPenalty: number };
  /** the bond EMA that ran (liquidAlpha says what was asked for) */
  ema: EmaRun;
  reps: number;
  warmup: number;
  refReps: number;
  counts: EpochCounts;
  stages: StageStat[];
  /** whole epoch, ms */
  totalMedianMs: number;
  totalP90Ms: number;
  kernels: KernelStat[];
  /** the reference kernels' per-stage medians (when run) */
  refStages: { stage: EpochStage; medianMs: number }[] | null;
  refTotalMedianMs: number | null;
  /** whether the reference kernels' output equals the WASM kernels' bit for bit (null: not run) */
  identical: boolean | null;
  mismatch: string | null;
}

export interface EpochTimingOptions {
  /** timed repetitions (after warm-up) */
  reps: number;
  /**
   * untimed warm-up runs; by default at least max(3, reps / 10) and at least half a second of
   * runs (at most 1,000): the engine tiers its code up and the heap settles over the first
   * tens of epochs, which a few warm-up runs leave inside the median
   */
  warmup?: number;
  /** repetitions with the TypeScript reference kernels (0 = skip them) */
  refReps: number;
  /** called after each run: (phase, done, total) */
  onProgress?: (phase: 'wasm' | 'kernels' | 'reference', done: number, total: number) => void;
}

/** Runs `run` `count` times, or by default (count undefined) as EpochTimingOptions.warmup says; returns the runs made. */
function warmUp(run: () => void, count: number | undefined, reps: number): number {
  if (count !== undefined) {
    for (let i = 0; i < count; i++) run();
    return count;
  }
  const least = Math.max(3, Math.floor(reps / 10));
  const until = performance.now() + 500;
  let runs = 0;
  while (runs < 1000 && (runs < least || performance.now() < until)) {
    run();
    runs++;
  }
  return runs;
}

/** Times one input (`yuma profile`): stage times on plain WASM kernels, kernel times timed per call on both. */
export function timeEpoch(input: EpochInput, opts: EpochTimingOptions): EpochTiming {
  const reps = Math.max(1, Math.floor(opts.reps));
  const wasm = createWasmKernels();
  const warmup = warmUp(() => runEpoch(input, { kernels: wasm }), opts.warmup, reps);

  // 1. stage times (onStage only: no per-call wrapper on this path)
  const perStage = new Map<EpochStage, number[]>(EPOCH_STAGES.map((s) => [s, []]));
  const totals: number[] = [];
  let expected: EpochOutput | undefined;
  for (let r = 0; r < reps; r++) {
    let total = 0;
    const out = runEpoch(input, {
      kernels: wasm,
      onStage: (s, ms) => {
        perStage.get(s)!.push(ms);
        total += ms;
      },
    });
    totals.push(total);
    expected ??= out;
    opts.onProgress?.('wasm', r + 1, reps);
  }

  // 2. per-kernel times, WASM
  const kernelReps = reps;
  const timed = timedKernels(wasm);
  const wasmPerKernel = new Map<KernelMethod, number[]>();
  const callsPerEpoch = new Map<KernelMethod, number>();
  let counts: EpochCounts | undefined;
  let ema: EmaRun | undefined;
  for (let r = 0; r < kernelReps; r++) {
    timed.calls.length = 0;
    const out = runEpoch(input, { kernels: timed.kernels });
    counts ??= countsOf(input, timed.calls, out);
    ema ??= emaRun(timed.calls);
    const sums = new Map<KernelMethod, number>();
    for (const c of timed.calls) {
      sums.set(c.kernel, (sums.get(c.kernel) ?? 0) + c.ms);
      if (r === 0) callsPerEpoch.set(c.kernel, (callsPerEpoch.get(c.kernel) ?? 0) + 1);
    }
    for (const [k, ms] of sums) {
      if (!wasmPerKernel.has(k)) wasmPerKernel.set(k, []);
      wasmPerKernel.get(k)!.push(ms);
    }
    opts.onProgress?.('kernels', r + 1, kernelReps);
  }

  // 3. the same with the TypeScript reference kernels (slow: BigInt), and a bit-for-bit check
  const refReps = Math.max(0, Math.floor(opts.refReps));
  const refPerKernel = new Map<KernelMethod, number[]>();
  const refStageTimes = new Map<EpochStage, number[]>(EPOCH_STAGES.map((s) => [s, []]));
  let identical: boolean | null = null;
  let mismatch: string | null = null;
  if (refReps > 0) {
    const ref = timedKernels(createReferenceKernels());
    for (let r = 0; r < refReps; r++) {
      ref.calls.length = 0;
      const out = runEpoch(input, { kernels: ref.kernels, onStage: (s, ms) => refStageTimes.get(s)!.push(ms) });
      if (r === 0) {
        const m = compareOutputs(expected!, out);
        identical = m === null;
        mismatch = m ? describeMismatch(m) : null;
      }
      const sums = new Map<KernelMethod, number>();
      for (const c of ref.calls) sums.set(c.kernel, (sums.get(c.kernel) ?? 0) + c.ms);
      for (const [k, ms] of sums) {
        if (!refPerKernel.has(k)) refPerKernel.set(k, []);
        refPerKernel.get(k)!.push(ms);
      }
      opts.onProgress?.('reference', r + 1, refReps);
    }
  }

  const bytes = stageBytes(counts!, input.hyperparameters.yuma3, input.hyperparameters.commit_reveal);
  const medians = EPOCH_STAGES.map((s) => quantile(perStage.get(s)!, 0.5));
  const grand = medians.reduce((a, b) => a + b, 0);
  const stages: StageStat[] = EPOCH_STAGES.map((s, k) => ({
    stage: s,
    medianMs: medians[k]!,
    p90Ms: quantile(perStage.get(s)!, 0.9),
    share: grand > 0 ? medians[k]! / grand : 0,
    bytes: bytes[s],
  }));
  // kernels in the order the epoch first calls them
  const kernels: KernelStat[] = [...wasmPerKernel.keys()].map((k) => {
    const w = quantile(wasmPerKernel.get(k)!, 0.5);
    const r = refPerKernel.has(k) ? quantile(refPerKernel.get(k)!, 0.5) : null;
    return { kernel: k, calls: callsPerEpoch.get(k) ?? 0, wasmMs: w, refMs: r, ratio: r !== null && w > 0 ? r / w : null };
  });
  const refStages = refReps > 0 ? EPOCH_STAGES.map((s) => ({ stage: s, medianMs: quantile(refStageTimes.get(s)!, 0.5) })) : null;
  return {
    shape: {
      n: input.n,
      weights: input.weights.col.length,
      bonds: input.bonds.col.length,
      yuma3: input.hyperparameters.yuma3,
      liquidAlpha: input.hyperparameters.liquid_alpha,
      bondsPenalty: input.hyperparameters.bonds_penalty,
    },
    ema: ema!,
    reps,
    warmup,
    refReps,
    counts: counts!,
    stages,
    totalMedianMs: quantile(totals, 0.5),
    totalP90Ms: quantile(totals, 0.9),
    kernels,
    refStages,
    refTotalMedianMs: refStages ? refStages.reduce((a, s) => a + s.medianMs, 0) : null,
    identical,
    mismatch,
  };
}
