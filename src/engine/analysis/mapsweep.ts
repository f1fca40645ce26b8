// The consensus-guarantee sweep (`yuma map`): for every major stake and every (major weight,
// minor weight) on a steps x steps grid, one two-camp epoch (twocamp.ts), recording the majority's
// share of emission. Epochs go to an EpochRunner (the worker pool, or the main thread) in chunks,
// a few chunks in flight, so memory stays bounded and the runner never starves.
import { runEpoch } from '../epoch.js';
import type { EpochInput, EpochOutput } from '../types.js';
import { MAP_MAJOR_STAKES, MAP_STEPS, majorShare, twoCampInput, twoCampTemplate, type TwoCampShape, type TwoCampTemplate } from './twocamp.js';

/** What the sweep needs from a pool: outputs in input order, bit-identical to runEpoch. */
export interface EpochRunner {
  runEpochs(inputs: readonly EpochInput[]): Promise<EpochOutput[]>;
  close(): Promise<void>;
}

/** The main-thread runner (no workers). */
export function mainThreadRunner(): EpochRunner {
  return {
    async runEpochs(inputs) {
      return inputs.map((i) => runEpoch(i));
    },
    async close() {},
  };
}

export interface MapOptions extends TwoCampShape {
  majorStakes?: readonly number[];
  steps?: number;
  /** epochs per runner call (default 64) */
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

export async function runMapSweep(runner: EpochRunner, opts: MapOptions): Promise<MapResult> {
  const t0 = performance.now();
  const stakes = [...(opts.majorStakes ?? MAP_MAJOR_STAKES)];
  const steps = opts.steps ?? MAP_STEPS;
  const chunk = Math.max(1, opts.chunk ?? 64);
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
  const templates: (TwoCampTemplate | undefined)[] = new Array(stakes.length);
  const template = (s: number) => (templates[s] ??= twoCampTemplate(shape, stakes[s]!, steps));

  // the work list, in order: (stake, minor b, major a)
  let next = 0;
  const take = () => {
    const items: { s: number; a: number; b: number }[] = [];
    while (items.length < chunk && next < total) {
      const s = Math.floor(next / (steps * steps));
      const r = next % (steps * steps);
      items.push({ s, b: Math.floor(r / steps), a: r % steps });
      next++;
    }
    return items;
  };
  let done = 0;
  const pending = new Set<Promise<void>>();
  const launch = () => {
    const items = take();
    if (items.length === 0) return;
    const inputs = items.map(({ s, a, b }) => twoCampInput(template(s), a, b));
    const p: Promise<void> = runner.runEpochs(inputs).then((outs) => {
      outs.forEach((out, k) => {
        const { s, a, b } = items[k]!;
        share[s]![b]![a] = majorShare(template(s), out);
      });
      done += items.length;
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
  const camps = stakes.map((_, s) => {
    const t = template(s);
    return { majorValidators: t.majorValidators, minorValidators: t.V - t.majorValidators, majorServers: t.majorServers, minorServers: t.S - t.majorServers };
  });
  return { shape, majorStakes: stakes, levels: Array.from(template(0).levels), share, camps, epochs: total, ms: performance.now() - t0 };
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
