/**
 * The parts of the README that the tool itself prints: example outputs and the model list, each
 * between `<!-- NAME:start ... -->` and `<!-- NAME:end -->` markers. `npm run readme` writes them
 * (scripts/gen-readme.ts); a test fails when the README no longer shows what the tool prints now,
 * so its figures cannot drift.
 *
 * The CLI runs in-process with colour off: the caller must set NO_COLOR before src/cli/color.ts is
 * first imported (gen-readme.ts does; under vitest stdout is no terminal, so colour is off anyway).
 */
import { loadPresets } from '../src/node/presets.js';
import { formatCount } from '../src/units.js';

/** An example whose output the README shows: the command, and how its output is abridged. */
export interface ReadmeExample {
  name: string;
  /** The arguments after `clustertwin`. */
  args: string[];
  /** The lines the README keeps, in order ("abridged"). */
  abridge: (lines: string[]) => string[];
}

/** Tables' borders and empty rows, and cli-table3's header rows: the README keeps the data rows. */
const isTableChrome = (l: string): boolean => /^[┌├└]/.test(l) || /^│ +│/.test(l);

/** The lines `keep` keeps of each section (a heading and what follows it up to a blank line); `index` counts the section's lines, tables' chrome left out. */
function bySection(lines: string[], keep: (heading: string, line: string, index: number) => boolean): string[] {
  const out: string[] = [];
  let heading = '';
  let index = 0;
  for (const l of lines) {
    if (l === '') {
      heading = '';
      out.push(l);
      continue;
    }
    if (isTableChrome(l)) continue;
    if (heading === '') {
      heading = l;
      index = 0;
    } else index++;
    if (keep(heading, l, index)) out.push(l);
  }
  return out;
}

export const README_EXAMPLES: ReadmeExample[] = [
  {
    name: 'simulate-default',
    args: ['simulate'],
    // Leaves out the layer split, TFLOP/s, the smallest step parts, the memory detail, steps and prices.
    abridge: (lines) =>
      bySection(lines, (_h, l) => !/^ {2}(layers\/stage|TFLOP\/s per GPU|weights|gradients|optimizer states|activations|largest transient|runtime reserve|steps|prices) /.test(l) && !/^│ (optimizer|PP communication) /.test(l)),
  },
  {
    name: 'reliability-llama3',
    args: ['reliability', '--system', 'dgx-h100', '--model', 'llama3-405b', '--gpus', '16384', '--tp', '8', '--pp', '16', '--seq', '8192', '--gbs', '2048', '--recompute', 'full', '--days', '54', '--checkpoint-write-gbps', '2000', '--checkpoint-read-gbps', '2000'],
    // The job, the four commonest causes, the interval, the goodput and the Monte Carlo's spread of it.
    abridge: (lines) =>
      bySection(lines, (h, l, i) => {
        if (h.startsWith('Interruptions')) return !l.startsWith('│') || (!l.startsWith('│ cause') && i <= 7);
        if (h.startsWith('Checkpoint interval (')) return !l.startsWith('  used');
        if (h.startsWith('Goodput')) return l === h;
        if (h.startsWith('Monte Carlo')) return l === h || /^│ (unplanned interruptions|goodput) /.test(l);
        return !h.startsWith('Checkpoint interval sweep') && !l.startsWith('  horizon');
      }),
  },
  {
    name: 'serve-llama31-70b',
    args: ['serve', '--system', 'dgx-h100', '--model', 'llama3.1-70b', '--tp', '8', '--concurrency', '64', '--isl', '2048', '--osl', '256'],
    // All of it: the figures are unchecked and the output says so.
    abridge: (lines) => bySection(lines, () => true),
  },
];

type Write = typeof process.stdout.write;

/** What `clustertwin ARGS` prints on stdout (in-process). */
export async function cliOutput(args: string[]): Promise<string> {
  const { main } = await import('../src/cli/main.js');
  let out = '';
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array): boolean => {
    out += String(chunk);
    return true;
  }) as Write;
  try {
    const code = await main(args);
    if (code !== 0) throw new Error(`clustertwin ${args.join(' ')} exited ${code}`);
  } finally {
    process.stdout.write = write;
  }
  return out;
}

/** The README's copy of an example's output: the command, then its lines less the dropped ones. */
export async function exampleBlock(ex: ReadmeExample): Promise<string> {
  const kept = ex.abridge((await cliOutput(ex.args)).trimEnd().split('\n'));
  // Collapse the blank lines that dropped sections leave behind.
  const text = kept.join('\n').replace(/\n{3,}/g, '\n\n').trim();
  return ['```', `$ npx clustertwin ${ex.args.join(' ')}`, text, '```', ''].join('\n');
}

/** The model presets as the README lists them, with the tokens a run takes by default (indented: it sits in a list item). */
export function modelList(): string {
  const models = loadPresets().models;
  const items = Object.keys(models)
    .sort()
    .map((name) => {
      const t = (models[name] as { trainingTokens?: number }).trainingTokens;
      return `\`${name}\` (${t === undefined ? 'no published tokens: 20 a parameter' : `${formatCount(t, t % 1e12 === 0 || t < 1e12 ? 0 : 1)} tokens`})`;
    });
  return `  ${items.join(', ')}.\n  `;
}

/** Every generated block, by marker name. */
export async function readmeBlocks(): Promise<Record<string, string>> {
  const blocks: Record<string, string> = {};
  for (const ex of README_EXAMPLES) blocks[ex.name] = await exampleBlock(ex);
  blocks['model-list'] = modelList();
  return blocks;
}

const MARKER = /(<!-- ([a-z0-9-]+):start[^>]*-->\n)([\s\S]*?)(<!-- \2:end -->)/g;

/** The README with each generated block replaced by `blocks` (blocks it has no marker for are an error). */
export function applyBlocks(readme: string, blocks: Record<string, string>): string {
  const seen = new Set<string>();
  const out = readme.replace(MARKER, (whole, start: string, name: string, _body: string, end: string) => {
    if (!(name in blocks)) return whole;
    seen.add(name);
    return `${start}${blocks[name]}${end}`;
  });
  const missing = Object.keys(blocks).filter((n) => !seen.has(n));
  if (missing.length) throw new Error(`README.md lacks the markers for ${missing.join(', ')}`);
  return out;
}
