// Exact comparison of two Commune epoch outputs: outcome, error, amounts, every field of
// `neurons`, every bond row (null rows included), the credits when the expected output has
// them, and the trace when both sides carry one. Reports the first mismatch, in the shape
// of ../compare.ts (describeMismatch there prints it on one line).
import type { Mismatch } from '../compare.js';
import type { CommuneEpochOutput, CommuneTrace } from './types.js';

const NEURON_FIELDS = [
  'active', 'consensus', 'trust', 'validator_trust', 'rank', 'incentive', 'dividend', 'pruning_score',
  'new_validator_permit', 'server_emission', 'validator_emission', 'emission',
] as const;
/** trace vectors in pipeline order */
const TRACE_STAGES = [
  'stake', 'active_stake', 'consensus', 'preranks', 'validator_trust', 'ranks', 'trust', 'incentive',
  'liquid_alpha_params', 'liquid_alpha', 'dividends_raw', 'dividends_after_fee', 'dividends',
  'miner_share', 'validator_share', 'combined_share',
] as const;

type Vec = ArrayLike<number | bigint> | null;

/** -1 when equal; the first differing index; n for null vs non-null. */
function firstDiff(e: Vec, g: Vec): number {
  if (e === null || g === null) return e === g ? -1 : 0;
  if (e.length !== g.length) return Math.min(e.length, g.length);
  for (let i = 0; i < e.length; i++) if (e[i] !== g[i]) return i;
  return -1;
}

const showAt = (v: Vec, i: number, bool: boolean): string => {
  if (v === null) return 'null';
  const x = v[i];
  return x === undefined ? '(missing)' : bool ? String(x === 1) : String(x);
};

function firstTraceStage(e?: CommuneTrace, g?: CommuneTrace): string | undefined {
  if (!e || !g) return undefined;
  return TRACE_STAGES.find((s) => firstDiff(e[s], g[s]) >= 0);
}

function bondRow(o: CommuneEpochOutput, i: number): string {
  const b = o.bonds!;
  if (b.unchanged[i]) return 'null';
  const parts: string[] = [];
  for (let q = b.rows.rowPtr[i]!; q < b.rows.rowPtr[i + 1]!; q++) parts.push(`[${b.rows.col[q]},${b.rows.val[q]}]`);
  return `[${parts.join(',')}]`;
}

const creditRow = (row: ReadonlyArray<readonly [string, bigint]> | undefined) =>
  row === undefined ? '(missing)' : `[${row.map(([a, x]) => `[${JSON.stringify(a)},"${x}"]`).join(',')}]`;

/** null when equal in every compared field; otherwise the first difference. */
export function compareCommuneOutputs(expected: CommuneEpochOutput, got: CommuneEpochOutput): Mismatch | null {
  const stage = () => firstTraceStage(expected.trace, got.trace);
  const scalar = (field: string, e: unknown, g: unknown): Mismatch | null =>
    e === g ? null : { field, uid: -1, expected: String(e), got: String(g) };
  const head =
    scalar('consensus', expected.consensus, got.consensus) ??
    scalar('n', expected.n, got.n) ??
    scalar('outcome', expected.outcome, got.outcome) ??
    scalar('error', expected.error, got.error) ??
    scalar('token_emission', expected.token_emission, got.token_emission) ??
    scalar('founder_emission', expected.founder_emission, got.founder_emission);
  if (head) return head;

  const en = expected.neurons, gn = got.neurons;
  if ((en === null) !== (gn === null)) return { field: 'neurons', uid: -1, expected: en ? '{...}' : 'null', got: gn ? '{...}' : 'null' };
  if (en && gn) {
    for (const f of NEURON_FIELDS) {
      const i = firstDiff(en[f], gn[f]);
      if (i >= 0) {
        const bool = f === 'active' || f === 'new_validator_permit';
        return { field: `neurons.${f}`, uid: i, expected: showAt(en[f], i, bool), got: showAt(gn[f], i, bool), firstTraceStage: stage() };
      }
    }
  }
  if ((expected.bonds === null) !== (got.bonds === null)) {
    return { field: 'bonds', uid: -1, expected: expected.bonds ? '[...]' : 'null', got: got.bonds ? '[...]' : 'null' };
  }
  if (expected.bonds && got.bonds) {
    for (let i = 0; i < expected.n; i++) {
      const er = bondRow(expected, i), gr = bondRow(got, i);
      if (er !== gr) return { field: 'bonds', uid: i, expected: er, got: gr, firstTraceStage: stage() };
    }
  }
  if (expected.credits !== null) {
    if (got.credits === null) return { field: 'credits', uid: -1, expected: '[...]', got: 'null' };
    for (let i = 0; i < expected.n; i++) {
      const er = creditRow(expected.credits[i]), gr = creditRow(got.credits[i]);
      if (er !== gr) return { field: 'credits', uid: i, expected: er, got: gr };
    }
  }
  const total = scalar('total_emitted', expected.total_emitted, got.total_emitted);
  if (total) return total;
  if (expected.trace && got.trace) {
    for (const s of TRACE_STAGES) {
      const i = firstDiff(expected.trace[s], got.trace[s]);
      if (i >= 0) {
        return {
          field: `trace.${s}`, uid: expected.trace[s] === null || got.trace[s] === null ? -1 : i,
          expected: showAt(expected.trace[s], i, false), got: showAt(got.trace[s], i, false), firstTraceStage: s,
        };
      }
    }
  }
  return null;
}
