// `yuma epoch <input> [-o out] [--trace]`
import { parseEpochInput, readJsonFile, epochOutputToJson, writeFileAtomic } from '../engine/io.js';
import { runEpoch } from '../engine/epoch.js';

export function epochCommand(input: string, opts: { output?: string; trace?: boolean }): void {
  const parsed = parseEpochInput(readJsonFile(input), input === '-' ? '<stdin>' : input);
  const out = runEpoch(parsed, { trace: opts.trace === true });
  const json = epochOutputToJson(out);
  if (opts.output) writeFileAtomic(opts.output, json);
  else process.stdout.write(json);
}
