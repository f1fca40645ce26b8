// Exact comparison of two multi-mechanism outputs (docs/spec/mechanisms.md 5): every field of
// the aggregate `neurons`, then per mechanism its emission share, incentive, server and
// validator emission, bond rows and (when both carry one) trace.
import { compareOutputs, firstDiff, type Mismatch } from '../compare.js';
import type { EpochOutput, SparseU16 } from '../types.js';
import type { MechanismsOutput } from './types.js';

const TRACE_STAGES = ['stake', 'active_stake', 'consensus', 'validator_trust', 'incentive', 'dividends'] as const;
const VECTORS = ['incentive', 'server_emission', 'validator_emission'] as const;

function rowText(b: SparseU16, i: number): string {
  const parts: string[] = [];
  for (let q = b.rowPtr[i]!; q < b.rowPtr[i + 1]!; q++) parts.push(`[${b.col[q]},${b.val[q]}]`);
  return `[${parts.join(',')}]`;
}

/** null when equal in every field; otherwise the first difference (fields like `mechanisms[2].bonds`). */
export function compareMechanismsOutputs(expected: MechanismsOutput, got: MechanismsOutput): Mismatch | null {
  const noBonds = { rowPtr: new Uint32Array(expected.n + 1), col: new Uint32Array(0), val: new Uint16Array(0) };
  const view = (o: MechanismsOutput): EpochOutput => ({ netuid: o.netuid, n: o.n, neurons: o.neurons, bonds: noBonds });
  const m = compareOutputs(view(expected), view(got));
  if (m) return m;
  if (expected.mechanisms.length !== got.mechanisms.length) {
    return { field: 'mechanisms', uid: -1, expected: `${expected.mechanisms.length} mechanisms`, got: `${got.mechanisms.length} mechanisms` };
  }
  for (let k = 0; k < expected.mechanisms.length; k++) {
    const e = expected.mechanisms[k]!;
    const g = got.mechanisms[k]!;
    const at = `mechanisms[${k}]`;
    const stage = () => {
      if (!e.trace || !g.trace) return undefined;
      const s = TRACE_STAGES.find((s) => firstDiff(e.trace![s], g.trace![s]) >= 0);
      return s ? { firstTraceStage: s } : {};
    };
    if (e.emission !== g.emission) return { field: `${at}.emission`, uid: -1, expected: String(e.emission), got: String(g.emission) };
    for (const f of VECTORS) {
      const i = firstDiff(e[f], g[f]);
      if (i >= 0) return { field: `${at}.${f}`, uid: i, expected: String(e[f][i]), got: String(g[f][i]), ...stage() };
    }
    for (let i = 0; i < expected.n; i++) {
      const er = rowText(e.bonds, i);
      const gr = rowText(g.bonds, i);
      if (er !== gr) return { field: `${at}.bonds`, uid: i, expected: er, got: gr, ...stage() };
    }
    if (e.trace && g.trace) {
      for (const s of TRACE_STAGES) {
        const i = firstDiff(e.trace[s], g.trace[s]);
        if (i >= 0) return { field: `${at}.trace.${s}`, uid: i, expected: String(e.trace[s][i]), got: String(g.trace[s][i]), firstTraceStage: s };
      }
    }
  }
  return null;
}
