// Multi-mechanism documents in `yuma serve` (docs/spec/mechanisms.md): a request's documents
// are expanded into one epoch per mechanism (each counts as an epoch for admission), and the
// outputs are folded back into one multi-mechanism output per document.
import type { EpochInput, EpochOutput } from '../engine/types.js';
import { combineMechanisms, mechanismInputs } from '../engine/mechanisms/epoch.js';
import type { MechanismsInput, MechanismsOutput } from '../engine/mechanisms/types.js';

export type ServeInput = EpochInput | MechanismsInput;
export type ServeOutput = EpochOutput | MechanismsOutput;

export const isMechanismsInput = (x: ServeInput): x is MechanismsInput => 'mechanisms' in x;
export const isMechanismsOutput = (x: ServeOutput): x is MechanismsOutput => 'mechanisms' in x;

/** Epochs a request's documents make: one per single-mechanism document, one per mechanism otherwise. */
export function epochCount(docs: readonly ServeInput[]): number {
  return docs.reduce((s, d) => s + (isMechanismsInput(d) ? d.mechanisms.length : 1), 0);
}

/**
 * The pool's epochs for a request: `inputs` and `trace` per epoch, `doc[j]` the document
 * epoch j came from, and `fold` back to one output per document.
 */
export function expandMechanisms(docs: readonly ServeInput[], trace: readonly boolean[]) {
  const inputs: EpochInput[] = [];
  const epochTrace: boolean[] = [];
  const doc: number[] = [];
  docs.forEach((d, i) => {
    for (const e of isMechanismsInput(d) ? mechanismInputs(d) : [d]) {
      inputs.push(e);
      epochTrace.push(trace[i]!);
      doc.push(i);
    }
  });
  const fold = (outs: readonly EpochOutput[]): ServeOutput[] => {
    let j = 0;
    return docs.map((d) => {
      if (!isMechanismsInput(d)) return outs[j++]!;
      const mine = outs.slice(j, (j += d.mechanisms.length));
      return combineMechanisms(d, mine);
    });
  };
  return { inputs, trace: epochTrace, doc, fold };
}
