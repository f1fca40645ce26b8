// `yuma verify <paths...>`: one line per failing case, then `verify: P passed, F failed`.
import { dirname, relative } from 'node:path';
import { findCases, runCase, type CaseResult } from '../engine/verify.js';

export async function verifyCommand(paths: string[], opts: { summary?: boolean; quiet?: boolean }): Promise<number> {
  const cases = findCases(paths);
  const results: CaseResult[] = [];
  const t0 = performance.now();
  for (const c of cases) {
    // let a closed stdout (`| head -1`) end the run between cases (main.ts)
    await new Promise(setImmediate);
    const r = runCase(c);
    results.push(r);
    if (r.status === 'failed') process.stdout.write(`FAIL ${c.name}: ${r.detail}\n`);
    else if (r.status === 'unsupported' && !opts.quiet) process.stdout.write(`SKIP ${c.name}: ${r.detail}\n`);
  }
  const count = (s: CaseResult['status']) => results.filter((r) => r.status === s).length;
  const passed = count('passed'), failed = count('failed'), unsupported = count('unsupported');
  const ms = performance.now() - t0;
  const tail = unsupported > 0 ? `, ${unsupported} unsupported` : '';
  process.stdout.write(`verify: ${passed} passed, ${failed} failed${tail}\n`);
  if (cases.length === 0) process.stderr.write(`yuma verify: no cases found under ${paths.join(', ')} (NAME.input.json[.gz] beside NAME.expected.json[.gz], or kind "sequence" files)\n`);
  if (opts.summary) printSummary(results, ms);
  return failed === 0 && passed > 0 ? 0 : 1;
}

function printSummary(results: CaseResult[], ms: number): void {
  const groups = new Map<string, CaseResult[]>();
  for (const r of results) {
    const dir = relative(process.cwd(), dirname(r.case.file)) || '.';
    groups.set(dir, [...(groups.get(dir) ?? []), r]);
  }
  const rows = [...groups].map(([dir, rs]) => {
    const epochs = rs.reduce((s, r) => s + r.epochs, 0);
    const t = rs.reduce((s, r) => s + r.ms, 0);
    const st = (s: string) => rs.filter((r) => r.status === s).length;
    return [dir, String(rs.length), String(st('passed')), String(st('failed')), String(st('unsupported')), String(epochs), t.toFixed(0)];
  });
  const head = ['directory', 'cases', 'passed', 'failed', 'unsupported', 'epochs', 'ms'];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((x, c) => (c === 0 ? x.padEnd(widths[c]!) : x.padStart(widths[c]!))).join('  ');
  process.stdout.write(`\n${line(head)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
  const epochs = results.reduce((s, r) => s + r.epochs, 0);
  process.stdout.write(
    `\n${epochs} epochs in ${(ms / 1000).toFixed(2)} s, parse and compare included ` +
      `(every field of neurons and bonds, and the trace, compared exactly)\n`,
  );
}
