// `yuma epoch <input> [-o out] [--trace]`
import { parseEpochInput, readJsonFile, epochOutputToJson } from '../engine/io.js';
import { runEpoch } from '../engine/epoch.js';
import { communeOutputToJson, isCommuneDocument, parseCommuneInput, runCommuneEpoch } from '../engine/commune/index.js';
import { checkOutputFile, writeOutputs } from './outputs.js';
import { isMechanismsDocument, mechanismsOutputToJson, parseMechanismsInput } from '../engine/mechanisms/io.js';
import { runMechanismsEpoch } from '../engine/mechanisms/epoch.js';

export function epochCommand(input: string, opts: { output?: string; trace?: boolean }): void {
  if (opts.output) checkOutputFile(opts.output, '-o');
  const file = input === '-' ? '<stdin>' : input;
  const doc = readJsonFile(input);
  // a `profile: "commune"` document runs the Commune pipeline (src/engine/commune)
  // a document with top-level `mechanisms` is a multi-mechanism subnet (src/engine/mechanisms)
  const trace = { trace: opts.trace === true };
  const json = isCommuneDocument(doc)
    ? communeOutputToJson(runCommuneEpoch(parseCommuneInput(doc, file), trace))
    : isMechanismsDocument(doc)
      ? mechanismsOutputToJson(runMechanismsEpoch(parseMechanismsInput(doc, file), trace))
      : epochOutputToJson(runEpoch(parseEpochInput(doc, file), trace));
  if (opts.output) writeOutputs([[opts.output, json]]);
  else process.stdout.write(json);
}
