// The consensus-guarantee sweep (`yuma map`): for every major stake and every (major weight,
// minor weight) on a steps x steps grid, one two-camp epoch (twocamp.ts), recording the majority's
// share of emission. Cells go to a MapRunner (the worker pool's map tasks, which build their
// inputs in the worker, or the main thread) in chunks of one major stake, a few chunks in
// flight, so memory stays bounded and the runner never starves.
import type { EpochInput, EpochOutput } from '../types.js';
import type { Pool } from '../../pool/index.js';
import { defineTask, runTask } from '../../pool/tasks.js';
import {
  MAP_MAJOR_STAKES, MAP_STEPS, majorShare, majorShares, twoCampInput, twoCampSizes, twoCampTemplate, weightLevels,
  type TwoCampShape, type TwoCampTemplate,
} from './twocamp.js';

/** One major stake's graph, as a worker rebuilds it (the template is a pure function of it). */
export interface MapCellSpec {
  shape: MapResult['shape'];
  majorStake: number;
  steps: number;
}

/**
 * What the sweep needs from a runner: the majority's share for cells of one major stake's
 * graph (a = cells[2k], b = cells[2k+1]), equal to majorShare(runEpoch(twoCampInput(...))).
 */
export interface MapRunner {
  runCells(spec: MapCellSpec, cells: Uint16Array): Promise<Float64Array>;
  close(): Promise<void>;
}

/** Any epoch runner (outputs in input order, bit-identical to runEpoch), e.g. pool.runEpochs. */
export interface MapEpochRunner {
  runEpochs(inputs: readonly EpochInput[]): Promise<EpochOutput[]>;
  close(): Promise<void>;
}

/** Templates by spec: the last few kept (the sweep walks the major stakes in order). */
export function templateCache(size = 2): (spec: MapCellSpec) => TwoCampTemplate {
  const kept = new Map<string, TwoCampTemplate>();
  return (spec) => {
    const key = JSON.stringify([spec.shape, spec.majorStake, spec.steps]);
    let t = kept.get(key);
    if (!t) {
      t = twoCampTemplate(spec.shape, spec.majorStake, spec.steps);
      kept.set(key, t);
      while (kept.size > size) kept.delete(kept.keys().next().value!);
    }
    return t;
  };
}

/** The main-thread runner (no workers): epochs straight to emission, no outputs built. */
export function mapMainThreadRunner(): MapRunner {
  const template = templateCache();
  return {
    async runCells(spec, cells) {
      return majorShares(template(spec), cells);
    },
    async close() {},
  };
}

/**
 * The map cells as a pool task: the worker rebuilds the graph from the spec (its templates
 * cached there) and runs each cell's epoch to its emission; only the shares come back, by
 * transfer (the inputs, 28,672 weights each at the default size, never cross).
 */
const workerTemplate = templateCache();
const MAP_TASK = defineTask<{ spec: MapCellSpec; cells: Uint16Array }, Float64Array>(
  'map', 'engine/analysis/mapsweep.js',
  ({ spec, cells }, { kernels }) => majorShares(workerTemplate(spec), cells, kernels),
  (shares) => [shares.buffer as ArrayBuffer],
);

/** `yuma map` on a pool: each chunk of cells is ONE task (MAP_TASK); close() closes the pool. */
export function poolMapRunner(pool: Pool): MapRunner {
  return {
    runCells: (spec, cells) => runTask(pool, MAP_TASK, { spec, cells }, { about: `major stake ${spec.majorStake}` }),
    close: () => pool.close(),
  };
}

/** A runner over whole epochs: builds every input and reads the share from each output. */
export function mapEpochRunner(r: MapEpochRunner): MapRunner {
  const template = templateCache();
  return {
    async runCells(spec, cells) {
      const t = template(spec);
      const inputs = Array.from({ length: cells.length >> 1 }, (_, k) => twoCampInput(t, cells[2 * k]!, cells[2 * k + 1]!));
      const outs = await r.runEpochs(inputs);
      return Float64Array.from(outs, (o) => majorShare(t, o));
    },
    close: () => r.close(),
  };
}

export interface MapOptions extends TwoCampShape {
  majorStakes?: readonly number[];
  steps?: number;
  /** epochs per runner call (default 128) */
  chunk?: number;
  /** runner calls in flight (default 3) */
  inFlight?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface MapResult {
  shape: Required<Pick<TwoCampShape, 'neurons' | 'validators' | 'weightStddev' | 'stakeStddev' | 'seed' | 'bondsPenalty' | 'yuma3'>>;
  majorStakes: number[];
  /** weight levels along both axes (ascending) */
  levels: number[];
  /** share[s][b][a]: major stake s, minor weight levels[b], major weight levels[a] */
  share: Float64Array[][];
  /** per major stake: the camp sizes actually used */
  camps: { majorValidators: number; minorValidators: number; majorServers: number; minorServers: number }[];
  epochs: number;
  ms: number;
}

export async function runMapSweep(runner: MapRunner, opts: MapOptions): Promise<MapResult> {
  const t0 = performance.now();
  const stakes = [...(opts.majorStakes ?? MAP_MAJOR_STAKES)];
  const steps = opts.steps ?? MAP_STEPS;
  const chunk = Math.max(1, opts.chunk ?? 128);
  const inFlight = Math.max(1, opts.inFlight ?? 3);
  const shape = {
    neurons: opts.neurons,
    validators: opts.validators,
    weightStddev: opts.weightStddev ?? 0.4,
    stakeStddev: opts.stakeStddev ?? 0.3,
    seed: opts.seed ?? 1,
    bondsPenalty: opts.bondsPenalty ?? 65535,
    yuma3: opts.yuma3 ?? false,
  };
  const share = stakes.map(() => Array.from({ length: steps }, () => new Float64Array(steps)));
  const total = stakes.length * steps * steps;
  // the camp sizes only (a whole template per stake costs the calling thread tens of ms each;
  // the runner builds its own): checks the shape before anything runs
  const camps = stakes.map((ms) => {
    const c = twoCampSizes(shape, ms);
    return { majorValidators: c.majorValidators, minorValidators: c.V - c.majorValidators, majorServers: c.majorServers, minorServers: c.S - c.majorServers };
  });

  // the work list, in order: (stake, minor b, major a); a chunk never spans two major stakes
  let next = 0;
  const take = () => {
    const s = Math.floor(next / (steps * steps));
    const end = Math.min(next + chunk, (s + 1) * steps * steps);
    const cells = new Uint16Array(2 * (end - next));
    const at: [number, number][] = [];
    for (let k = 0; next < end; next++, k++) {
      const r = next % (steps * steps);
      const a = r % steps;
      const b = Math.floor(r / steps);
      cells[2 * k] = a;
      cells[2 * k + 1] = b;
      at.push([a, b]);
    }
    return { s, cells, at };
  };
  let done = 0;
  const pending = new Set<Promise<void>>();
  const launch = () => {
    const { s, cells, at } = take();
    const p: Promise<void> = runner.runCells({ shape, majorStake: stakes[s]!, steps }, cells).then((shares) => {
      at.forEach(([a, b], k) => (share[s]![b]![a] = shares[k]!));
      done += at.length;
      opts.onProgress?.(done, total);
      pending.delete(p);
    });
    pending.add(p);
    p.catch(() => {}); // the first failure surfaces through Promise.race below; later ones are moot
  };
  while (next < total || pending.size > 0) {
    while (pending.size < inFlight && next < total) launch();
    // the first failure rejects the sweep (the caller closes the runner)
    await Promise.race(pending);
  }
  return { shape, majorStakes: stakes, levels: Array.from(weightLevels(steps)), share, camps, epochs: total, ms: performance.now() - t0 };
}

/** The grid as CSV: major_stake, major_weight, minor_weight, major_share (one row per epoch). */
export function mapCsv(r: MapResult): string {
  const lines = ['major_stake,major_self_weight,minor_self_weight,major_emission_share'];
  r.majorStakes.forEach((ms, s) => {
    for (let b = 0; b < r.levels.length; b++) {
      for (let a = 0; a < r.levels.length; a++) {
        lines.push(`${ms},${+r.levels[a]!.toFixed(6)},${+r.levels[b]!.toFixed(6)},${r.share[s]![b]![a]!.toFixed(6)}`);
      }
    }
  });
  return `${lines.join('\n')}\n`;
}
