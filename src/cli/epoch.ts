// `yuma epoch <input> [-o out] [--trace]`
import { parseEpochInput, readJsonFile, epochOutputToJson } from '../engine/io.js';
import { runEpoch } from '../engine/epoch.js';
import { communeOutputToJson, isCommuneDocument, parseCommuneInput, runCommuneEpoch } from '../engine/commune/index.js';
import { checkOutputFile, writeOutputs } from '../report/cliutil.js';

export function epochCommand(input: string, opts: { output?: string; trace?: boolean }): void {
  if (opts.output) checkOutputFile(opts.output, '-o');
  const file = input === '-' ? '<stdin>' : input;
  const doc = readJsonFile(input);
  // a `profile: "commune"` document runs the Commune pipeline (src/engine/commune)
  const json = isCommuneDocument(doc)
    ? communeOutputToJson(runCommuneEpoch(parseCommuneInput(doc, file), { trace: opts.trace === true }))
    : epochOutputToJson(runEpoch(parseEpochInput(doc, file), { trace: opts.trace === true }));
  if (opts.output) writeOutputs([[opts.output, json]]);
  else process.stdout.write(json);
}
