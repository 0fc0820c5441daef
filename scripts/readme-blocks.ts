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
    name: 'facility-h100',
    args: ['facility', '--system', 'dgx-h100', '--gpus', '16384', '--model', 'llama3-405b', '--tp', '8', '--pp', '16', '--seq', '8192', '--gbs', '2048', '--recompute', 'full'],
    // The power, the building and the swing; the cost tables and the not-modelled list left out (the prose says them).
    abridge: (lines) => bySection(lines, (h) => !h.startsWith('Cost') && !h.startsWith('Not modelled') && !h.startsWith('┌───────────────────┬')),
  },
  {
    name: 'fleet-kalos',
    args: ['fleet', '--system', 'dgx-h100', '--gpus', '4096', '--days', '30', '--generator', 'acme-kalos', '--hot-spares', '8'],
    abridge: (lines) => bySection(lines, () => true),
  },
  {
    name: 'serve-llama31-70b',
    args: ['serve', '--system', 'dgx-h100', '--model', 'llama3.1-70b', '--tp', '8', '--concurrency', '64', '--isl', '2048', '--osl', '256'],
    // All of it: the figures are unchecked and the output says so.
    abridge: (lines) => bySection(lines, () => true),
  },
  {
    name: 'serve-plan-llama31-70b',
    args: ['serve-plan', '--model', 'llama3.1-70b', '--system', 'dgx-h100,dgx-a100-80g', '--rate', '10', '--isl', '1024', '--osl', '256', '--ttft-p99', '2', '--tpot-p99', '0.1'],
    abridge: (lines) => bySection(lines, () => true),
  },
];

/**
 * The ChatGPT example (docs/serving-chatgpt.md): GPT-3 175B on Azure NDm A100 v4 at Goldstein's
 * 10 million queries a day (115.74 a second). 48-token prompts: neither estimate states one, and
 * 48 + 2,000 is what GPT-3's 2,048-token context holds with SemiAnalysis's 2,000-token replies.
 * 40-token replies: Goldstein's ~30 words at OpenAI's ~3/4 of a word a token.
 */
const CHATGPT = ['--model', 'gpt3-175b', '--isl', '48'];
export const CHATGPT_EXAMPLES: ReadmeExample[] = [
  {
    // Goldstein's $100k a day at $3 an A100-hour buys 100,000 / (3 x 24) = 1,389 A100s: 174 eight-GPU servers.
    name: 'chatgpt-batch-1',
    args: ['serve', ...CHATGPT, '--system', 'ndm-a100-v4', '--tp', '8', '--max-batch', '1', '--replicas', '174', '--rate', '115.74', '--osl', '40', '--duration', '10m'],
    abridge: (lines) => bySection(lines, () => true),
  },
  {
    name: 'chatgpt-batch-1-plan',
    args: ['serve-plan', ...CHATGPT, '--system', 'ndm-a100-v4', '--per-day', '10M', '--osl', '40', '--tp', '8', '--pp', '1', '--precision', 'bf16', '--max-batch', '1', '--ttft-p99', '2', '--tpot-p99', '0.05'],
    abridge: (lines) => bySection(lines, (h) => !h.startsWith('Pareto front') && !h.startsWith('Left out')),
  },
  {
    name: 'chatgpt-batching',
    args: ['serve-plan', ...CHATGPT, '--system', 'ndm-a100-v4', '--per-day', '10M', '--osl', '40', '--precision', 'bf16', '--ttft-p99', '2', '--tpot-p99', '0.05'],
    abridge: (lines) => bySection(lines, () => true),
  },
  {
    // 500 requests a probe: 2,000-token replies make each probe 40x the work of the 40-token ones.
    name: 'chatgpt-2000-tokens',
    args: ['serve-plan', ...CHATGPT, '--system', 'ndm-a100-v4', '--per-day', '10M', '--osl', '2000', '--tp', '8', '--pp', '1', '--precision', 'bf16', '--ttft-p99', '2', '--tpot-p99', '0.05', '--requests', '500'],
    abridge: (lines) => bySection(lines, () => true),
  },
];

/** The estimates as their sources state them (docs/serving-chatgpt.md quotes and cites each). */
const GOLDSTEIN = { usdPerDay: 100_000, usdPerGpuHour: 3 };
const SEMIANALYSIS = { usdPerDay: 694_444, gpus: 28_936 };

const dollars = (x: number): string => `$${x >= 1e5 ? `${Math.round(x / 1e3).toLocaleString('en-US')}k` : x >= 1e3 ? `${(x / 1e3).toFixed(1)}k` : x.toFixed(0)}`;

/** The README's short version: the two estimates beside the twin's answers, from the examples' --json. */
export async function chatgptSummary(): Promise<string> {
  const json = async (name: string) => JSON.parse(await cliOutput([...CHATGPT_EXAMPLES.find((e) => e.name === name)!.args, '--json']));
  const batch1 = await json('chatgpt-batch-1');
  const batching = (await json('chatgpt-batching')).best;
  const long = (await json('chatgpt-2000-tokens')).best;
  // SemiAnalysis's two figures imply its price per A100-hour.
  const semiUsdPerGpuHour = SEMIANALYSIS.usdPerDay / SEMIANALYSIS.gpus / 24;
  const at = (gpus: number, usdPerGpuHour: number): string => `${dollars(gpus * usdPerGpuHour * 24)} at $${usdPerGpuHour.toFixed(2)}/h`;
  const ms = (s: number): string => `${(s * 1000).toFixed(0)} ms`;
  const rows = [
    ['Goldstein (Dec 2022): 175B on 8-GPU A100 servers at batch 1, ~10M queries a day, ~30 words a reply', `${Math.round(GOLDSTEIN.usdPerDay / GOLDSTEIN.usdPerGpuHour / 24).toLocaleString('en-US')} (implied)`, dollars(GOLDSTEIN.usdPerDay), `$${GOLDSTEIN.usdPerGpuHour}/h`],
    [`twin, batch 1 on his 174 servers (\`serve --max-batch 1\`): TTFT p99 ${ms(batch1.ttftSeconds.p99)}, TPOT p99 ${ms(batch1.tpotSeconds.p99)}`, batch1.gpus.toLocaleString('en-US'), dollars(batch1.costUsdPerDay), at(batch1.gpus, GOLDSTEIN.usdPerGpuHour)],
    [`twin, continuous batching (\`serve-plan\`, bf16, TTFT p99 ≤ 2 s, TPOT p99 ≤ 50 ms): ${batching.replicas} x TP ${batching.tp}, batch ≤ ${batching.maxBatch}`, batching.gpus.toLocaleString('en-US'), dollars(batching.costUsdPerDay), at(batching.gpus, GOLDSTEIN.usdPerGpuHour)],
    ['SemiAnalysis (Feb 2023): ~28,936 A100s in HGX servers, 2,000 output tokens a reply', SEMIANALYSIS.gpus.toLocaleString('en-US'), dollars(SEMIANALYSIS.usdPerDay), `$${semiUsdPerGpuHour.toFixed(2)}/h (implied)`],
    [`twin, 2,000-token replies at 10M a day, same targets: ${long.replicas} x TP ${long.tp}, batch ≤ ${long.maxBatch}`, long.gpus.toLocaleString('en-US'), dollars(long.costUsdPerDay), at(long.gpus, semiUsdPerGpuHour)],
  ];
  const table = ['| | A100s | a day (twin: $3.67/h, the preset) | at the estimate\'s price |', '|---|---:|---:|---:|', ...rows.map((r) => `| ${r.join(' | ')} |`)];
  return `${table.join('\n')}\n`;
}

type Write = typeof process.stdout.write;

/** Outputs already run in this process, by their arguments (the README and the docs share commands). */
const outputs = new Map<string, string>();

/** What `clustertwin ARGS` prints on stdout (in-process; each command run once per process). */
export async function cliOutput(args: string[]): Promise<string> {
  const key = JSON.stringify(args);
  const seen = outputs.get(key);
  if (seen !== undefined) return seen;
  const out = await runOnce(args);
  outputs.set(key, out);
  return out;
}

async function runOnce(args: string[]): Promise<string> {
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
  blocks['serving-chatgpt'] = await chatgptSummary();
  return blocks;
}

/** The file the ChatGPT example's full outputs go in. */
export const CHATGPT_DOC = 'docs/serving-chatgpt.md';

/** The ChatGPT document's generated blocks, by marker name. */
export async function chatgptDocBlocks(): Promise<Record<string, string>> {
  const blocks: Record<string, string> = {};
  for (const ex of CHATGPT_EXAMPLES) blocks[ex.name] = await exampleBlock(ex);
  blocks['serving-chatgpt-copy'] = await chatgptSummary();
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
