// The documentation resolves inside the repository: every relative link of the READMEs and docs,
// every `docs/spec/<file>.md` path, every `<file>.md <section>` the code cites (a file of
// docs/spec/ and a section or list item in it), every `examples/...` path README names; the
// shipped examples are the verbatim peer data; and no comment points at a tracker number
// instead of saying what it means.
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const SPEC = join(root, 'docs/spec');
const PEER = join(root, '../shared/peer');

function walk(dir: string, keep: (f: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name.startsWith('.') ? [] : walk(p, keep);
    return keep(p) ? [p] : [];
  });
}

const read = (f: string) => readFileSync(f, 'utf8');
const rel = (f: string) => relative(root, f);
const markdown = [join(root, 'README.md'), ...walk(join(root, 'docs'), (f) => f.endsWith('.md')), ...walk(join(root, 'examples'), (f) => f.endsWith('.md'))];
const code = ['src', 'assembly', 'bench', 'test', '.ci'].flatMap((d) => walk(join(root, d), (f) => /\.(ts|py|sh|md)$|\/run$/.test(f) && !f.includes('/fixtures/golden/')));

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');

function anchors(file: string): Set<string> {
  const found = new Set<string>();
  let fenced = false;
  for (const line of read(file).split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const m = !fenced && /^#{1,6}\s+(.*)$/.exec(line);
    if (m) found.add(slug(m[1]!));
  }
  return found;
}

describe('links and paths resolve inside the repository', () => {
  it('every relative markdown link of README.md, docs/ and examples/ names an existing file (and heading)', () => {
    const broken: string[] = [];
    for (const md of markdown) {
      for (const [, target] of read(md).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue; // http:, https:, mailto:
        const [path, anchor] = target!.split('#') as [string, string | undefined];
        const file = path === '' ? md : join(dirname(md), path);
        if (!existsSync(file)) broken.push(`${rel(md)}: ${target} (no such file)`);
        else if (anchor && file.endsWith('.md') && !anchors(file).has(anchor)) broken.push(`${rel(md)}: ${target} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('every docs/spec/<file>.md that README and the code name exists', () => {
    const missing: string[] = [];
    for (const f of [join(root, 'README.md'), ...code, ...walk(join(root, 'src'), (p) => p.endsWith('.ts'))]) {
      for (const [path] of read(f).matchAll(/\bdocs\/spec\/[\w.-]+\.md\b/g)) {
        if (!existsSync(join(root, path))) missing.push(`${rel(f)}: ${path}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('every examples/... path README names exists (its commands run on a fresh clone)', () => {
    const paths = [...read(join(root, 'README.md')).matchAll(/\bexamples\/[\w./-]*[\w/]/g)].map((m) => m[0]);
    expect(paths.length).toBeGreaterThan(5);
    expect(paths.filter((p) => !existsSync(join(root, p)))).toEqual([]);
  });

  it('README sends nobody outside the repository for an example (no ../shared/peer)', () => {
    expect(read(join(root, 'README.md'))).not.toMatch(/\.\.\/shared\/peer/);
  });
});

/** The section numbers of a spec file's headings, and each section's text (for its list items). */
function sections(file: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of read(file).split('\n')) {
    const h = /^#{1,6}\s+(\d+(?:\.\d+)*)\.?\s/.exec(line);
    if (h) out.set(h[1]!, (current = []));
    else current?.push(line);
  }
  return out;
}

/** Does `section` (e.g. "2.12", "2.12d", "3.4" = item 4 of section 3, "6.2.") exist in the file? */
function hasSection(file: string, section: string): boolean {
  const m = /^(\d+(?:\.\d+)*?)(?:\.(\d+))?([a-z])?\.?$/.exec(section);
  if (!m) return false;
  const all = sections(file);
  const [, head, sub, letter] = m;
  const item = (body: string[] | undefined, label: string) => body?.some((l) => new RegExp(`^\\s*\\(?${label}[.)]\\s`).test(l)) ?? false;
  const full = sub === undefined ? head! : `${head}.${sub}`;
  if (all.has(full)) return letter === undefined || item(all.get(full), letter);
  // "3.4": item 4 of section 3 (a numbered list, not a heading)
  return sub !== undefined && letter === undefined && item(all.get(head!), sub);
}

describe('the code cites docs/spec/ by file and section', () => {
  const SPEC_FILES = readdirSync(SPEC).filter((f) => f.endsWith('.md') && f !== 'README.md');
  const cite = new RegExp(`\\b(${SPEC_FILES.map((f) => f.replace(/\.md$/, '').replace('-', '\\-')).join('|')})\\.md(?:,?\\s+(?:sections?\\s+|§\\s*)?(\\d+(?:\\.\\d+)*[a-z]?\\.?))?`, 'g');

  it('docs/spec/ holds the whole specification and its README', () => {
    expect(SPEC_FILES.sort()).toEqual(['commune.md', 'epoch-io.md', 'mechanisms.md', 'network.md', 'yuma-stages.md', 'yuma.md']);
    expect(read(join(SPEC, 'README.md'))).toMatch(/the code's reference/);
  });

  it('every `<file>.md <section>` citation in src, assembly, bench, test names a section that exists', () => {
    let count = 0;
    const bad: string[] = [];
    for (const f of code) {
      for (const m of read(f).matchAll(cite)) {
        const [text, name, section] = m;
        count++;
        const file = join(SPEC, `${name}.md`);
        if (section !== undefined && !hasSection(file, section)) bad.push(`${rel(f)}: ${text}`);
      }
    }
    expect(count).toBeGreaterThan(100);
    expect(bad).toEqual([]);
  });

  it('the section rule itself: headings, list items, a letter of a section', () => {
    const yuma = join(SPEC, 'yuma.md');
    expect(hasSection(yuma, '2.12')).toBe(true);
    expect(hasSection(yuma, '2.12d')).toBe(true);
    expect(hasSection(yuma, '3.4')).toBe(true);
    expect(hasSection(yuma, '2')).toBe(true);
    expect(hasSection(yuma, '2.99')).toBe(false);
    expect(hasSection(yuma, '2.12z')).toBe(false);
    expect(hasSection(yuma, '9')).toBe(false);
  });

  it('no comment, test or script refers to a tracker number instead of saying what it means', () => {
    const refs = code.flatMap((f) => read(f).split('\n').flatMap((l, i) => (/\bissues? #?\d/i.test(l) ? [`${rel(f)}:${i + 1}: ${l.trim()}`] : [])));
    expect(refs).toEqual([]);
  });
});

describe('the shipped examples are the peer data, verbatim', () => {
  const pairs: [string, string][] = [
    ['examples/snapshots/metagraph-sn15-b4769998.json', 'metagraph-sn15-b4769998.json'],
    ['examples/snapshots/metagraph-sn15-b4769998.min1000.json', 'metagraph-sn15-b4769998.min1000.json'],
    ...readdirSync(join(root, 'examples/scenarios/simulator-cases'))
      .filter((f) => f.endsWith('.json'))
      .map((f): [string, string] => [`examples/scenarios/simulator-cases/${f}`, `cases/${f}`]),
  ];

  it('22 simulator cases and two snapshots, each with its provenance README', () => {
    expect(pairs).toHaveLength(24);
    expect(read(join(root, 'examples/snapshots/README.md'))).toMatch(/Source: `metagraphs\/subnet_15\/netuid15_block4769998_4769998.pt` in bactensor\/yuma-simulation/);
    expect(read(join(root, 'examples/scenarios/simulator-cases/README.md'))).toMatch(/bactensor\/yuma-simulation/);
  });

  it.skipIf(!existsSync(PEER))('byte for byte equal to ../shared/peer (when it is beside the checkout)', () => {
    for (const [ours, theirs] of pairs) {
      expect(statSync(join(PEER, theirs)).size, ours).toBe(statSync(join(root, ours)).size);
      expect(read(join(root, ours)) === read(join(PEER, theirs)), ours).toBe(true);
    }
  });
});
