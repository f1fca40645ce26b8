// Runners: where a batch of epochs runs (network.ts launches them, applies their outputs later).
// Every runner returns outputs bit-identical to the profile's epoch function on the main thread.
import { runEpoch, type EpochOptions } from '../epoch.js';
import { combineMechanisms, mechanismInputs } from '../mechanisms/epoch.js';
import type { MechanismsInput } from '../mechanisms/types.js';
import type { EpochInput } from '../types.js';
import type { PoolOptions } from '../../pool/index.js';
import type { BittensorInput, BittensorOutput } from './profiles/types.js';

const isMechanisms = (x: BittensorInput): x is MechanismsInput => 'mechanisms' in x;

/** What a runner returns: outputs in input order, and per epoch its stages' ms when it knows them. */
export interface RunnerResult<O = BittensorOutput> {
  outputs: O[];
  /** per input: ms per pipeline stage (runEpoch's onStage; summed over a subnet's mechanisms); absent on the pool */
  stages?: Array<Record<string, number>>;
}

/** Runs a profile's epochs (by default Bittensor's: runEpoch, runMechanismsEpoch for several mechanisms). */
export interface EpochRunner<I = BittensorInput, O = BittensorOutput> {
  run(inputs: I[]): Promise<RunnerResult<O>>;
  close(): Promise<void>;
  /** worker threads (0: the main thread) */
  readonly threads: number;
}

/** Any profile's epoch function, one epoch after the other on the main thread. */
export function sequentialRunner<I, O>(runOne: (input: I) => O): EpochRunner<I, O> {
  return { threads: 0, run: async (inputs) => ({ outputs: inputs.map(runOne) }), close: async () => {} };
}

/** Bittensor on the main thread: each epoch synchronously, when it is launched, its stages timed. */
export function mainThreadRunner(): EpochRunner {
  return {
    threads: 0,
    run: async (inputs) => {
      const stages: Array<Record<string, number>> = [];
      const outputs = inputs.map((input): BittensorOutput => {
        const ms: Record<string, number> = {};
        stages.push(ms);
        const options: EpochOptions = { onStage: (stage, t) => (ms[stage] = (ms[stage] ?? 0) + t) };
        if (!isMechanisms(input)) return runEpoch(input, options);
        // runMechanismsEpoch's own steps, with every mechanism's stages timed
        return combineMechanisms(input, mechanismInputs(input).map((m) => runEpoch(m, options)));
      });
      return { outputs, stages };
    },
    close: async () => {},
  };
}

/**
 * Bittensor on the worker pool of src/pool, `threads` workers (`options`: more pool options, e.g.
 * tests that spread every subnet's mechanisms). Single-mechanism subnets go to runEpochs in one
 * call, each multi-mechanism subnet to runMechanismsEpoch, all at once.
 */
export async function poolRunner(threads: number, options: Omit<PoolOptions, 'threads'> = {}): Promise<EpochRunner> {
  const { createPool } = await import('../../pool/index.js');
  const pool = createPool({ ...options, threads });
  return {
    threads,
    run: async (inputs) => {
      const outputs = new Array<BittensorOutput>(inputs.length);
      const single: EpochInput[] = [];
      const at: number[] = []; // where each single-mechanism input's output goes
      const calls: Promise<void>[] = [];
      inputs.forEach((x, i) => {
        if (isMechanisms(x)) calls.push(pool.runMechanismsEpoch(x).then((o) => void (outputs[i] = o)));
        else {
          single.push(x);
          at.push(i);
        }
      });
      if (single.length > 0) calls.push(pool.runEpochs(single).then((outs) => at.forEach((i, k) => (outputs[i] = outs[k]!))));
      await Promise.all(calls);
      return { outputs };
    },
    close: () => pool.close(),
  };
}
