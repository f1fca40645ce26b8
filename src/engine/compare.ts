// Exact comparison of two epoch outputs: every field of `neurons` and `bonds`, and the trace
// when both sides carry one. Reports the first mismatch and the first trace stage that differs.
import type { EpochOutput, EpochTrace } from './types.js';

export interface Mismatch {
  field: string;
  uid: number;
  expected: string;
  got: string;
  /** the earliest trace stage (pipeline order) where the two differ, if both have a trace */
  firstTraceStage?: string;
}

const NEURON_FIELDS = [
  'active', 'stake_weight', 'consensus', 'validator_trust', 'incentive', 'dividend',
  'new_validator_permit', 'server_emission', 'validator_emission', 'emission', 'stake',
] as const;
const TRACE_STAGES = ['stake', 'active_stake', 'consensus', 'validator_trust', 'incentive', 'dividends'] as const;

type Vec = ArrayLike<number | bigint>;

export function firstDiff(e: Vec, g: Vec): number {
  if (e.length !== g.length) return Math.min(e.length, g.length);
  for (let i = 0; i < e.length; i++) if (e[i] !== g[i]) return i;
  return -1;
}

const show = (v: number | bigint | undefined, field: string) =>
  v === undefined ? '(missing)' : field === 'active' || field === 'new_validator_permit' ? String(v === 1) : String(v);

function firstTraceStage(e?: EpochTrace, g?: EpochTrace): string | undefined {
  if (!e || !g) return undefined;
  return TRACE_STAGES.find((s) => firstDiff(e[s], g[s]) >= 0);
}

/** null when equal in every field; otherwise the first difference. */
export function compareOutputs(expected: EpochOutput, got: EpochOutput): Mismatch | null {
  const stage = () => firstTraceStage(expected.trace, got.trace);
  if (expected.n !== got.n) return { field: 'n', uid: -1, expected: String(expected.n), got: String(got.n) };
  for (const f of NEURON_FIELDS) {
    const i = firstDiff(expected.neurons[f], got.neurons[f]);
    if (i >= 0) {
      return {
        field: `neurons.${f}`, uid: i,
        expected: show(expected.neurons[f][i], f), got: show(got.neurons[f][i], f), firstTraceStage: stage(),
      };
    }
  }
  const eb = expected.bonds, gb = got.bonds;
  for (let i = 0; i < expected.n; i++) {
    const row = (b: typeof eb) => {
      const parts: string[] = [];
      for (let q = b.rowPtr[i]!; q < b.rowPtr[i + 1]!; q++) parts.push(`[${b.col[q]},${b.val[q]}]`);
      return `[${parts.join(',')}]`;
    };
    const er = row(eb), gr = row(gb);
    if (er !== gr) return { field: 'bonds', uid: i, expected: er, got: gr, firstTraceStage: stage() };
  }
  if (expected.trace && got.trace) {
    for (const s of TRACE_STAGES) {
      const i = firstDiff(expected.trace[s], got.trace[s]);
      if (i >= 0) {
        return {
          field: `trace.${s}`, uid: i, expected: String(expected.trace[s][i]), got: String(got.trace[s][i]),
          firstTraceStage: s,
        };
      }
    }
  }
  return null;
}

export function describeMismatch(m: Mismatch): string {
  const at = m.uid >= 0 ? ` uid ${m.uid}` : '';
  const stage = m.firstTraceStage ? ` (first trace stage that differs: ${m.firstTraceStage})` : '';
  const clip = (s: string) => (s.length > 120 ? s.slice(0, 117) + '...' : s);
  return `${m.field}${at}: expected ${clip(m.expected)}, got ${clip(m.got)}${stage}`;
}
