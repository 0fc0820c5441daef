/**
 * The README's figures come from the tool: its generated blocks (example outputs, the model list)
 * must be what `npm run readme` writes now, each example command it shows must run and be
 * achievable, and the figures its prose quotes from the reliability example must hold.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyBlocks, chatgptDocBlocks, readmeBlocks, CHATGPT_DOC, README_EXAMPLES } from '../scripts/readme-blocks.js';
import { catalog } from './support/catalog.js';
import { runCli } from './support/cli.js';
import { testDir } from './support/temp-dir.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The `npx clustertwin ...` commands of the README's Examples block, continuation lines joined. */
function exampleCommands(): string[][] {
  const block = /## Examples\n\n```sh\n([\s\S]*?)```/.exec(readme);
  expect(block, 'README lacks its Examples block').not.toBeNull();
  return block![1]
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .filter((l) => l.startsWith('npx clustertwin '))
    .map((l) => l.slice('npx clustertwin '.length).trim().split(/\s+/));
}

describe('README', () => {
  it('shows what the tool prints now (run `npm run readme` when output moves)', async () => {
    expect(readme).toBe(applyBlocks(readme, await readmeBlocks()));
  });

  it(`${CHATGPT_DOC} shows what the tool prints now (npm run readme writes it too)`, async () => {
    const doc = readFileSync(new URL(`../${CHATGPT_DOC}`, import.meta.url), 'utf8');
    expect(doc).toBe(applyBlocks(doc, await chatgptDocBlocks()));
  });

  it('quotes each bad-input example as the tool prints it now', async () => {
    // Lines "$ npx clustertwin ARGS" followed by the "error: ..." line the README says it prints.
    const pairs = [...readme.matchAll(/^\$ npx clustertwin (.+)\n(error: .+)$/gm)];
    expect(pairs.length).toBeGreaterThanOrEqual(3);
    for (const [, args, quoted] of pairs) {
      const r = await runCli(args.trim().split(/\s+/));
      expect(r.code, args).toBe(2);
      const printed = r.stderr.trim();
      // The README may shorten a long list with "...)".
      if (quoted.endsWith('...)')) expect(printed.startsWith(quoted.slice(0, -4)), `${args}: ${printed}`).toBe(true);
      else expect(printed, args).toBe(quoted);
    }
  });

  it('keeps exactly the two set-up commands', () => {
    expect(readme).toContain('```sh\nnpm install && npx clustertwin simulate\n```');
    expect(readme).toContain('```sh\nnpm test\n```');
  });

  it('runs every example it shows, and each one fits (is achievable as configured)', async () => {
    const commands = exampleCommands().filter((args) => !args.includes('--config'));
    expect(commands.length).toBeGreaterThanOrEqual(5);
    const out = testDir('ct-readme-');
    for (const shown of [...commands, ...README_EXAMPLES.map((e) => e.args)]) {
      // A report's file goes to a scratch folder, not the working tree.
      const args = shown.map((a, i) => (shown[0] === 'report' && shown[i - 1] === '--out' ? join(out, basename(a)) : a));
      const r = await runCli(args);
      expect(r.code, `clustertwin ${args.join(' ')}`).toBe(0);
      if (args[0] === 'report') expect(existsSync(args[args.indexOf('--out') + 1])).toBe(true);
      if (args[0] === 'simulate' || args[0] === 'reliability') {
        const json = args.includes('--json') ? args : [...args, '--json', ...(args[0] === 'reliability' ? ['--trials', '0'] : [])];
        expect(JSON.parse((await runCli(json)).stdout).achievable, `clustertwin ${args.join(' ')}`).toBe(true);
      }
    }
  });

  it("quotes the reliability example's figures with the preset's own store and with asynchronous checkpoints", async () => {
    const args = [...README_EXAMPLES.find((e) => e.name === 'reliability-llama3')!.args.filter((a, i, all) => !/^--checkpoint-(write|read)-gbps$/.test(a) && !/^--checkpoint-(write|read)-gbps$/.test(all[i - 1] ?? '')), '--trials', '0', '--json'];
    const own = JSON.parse((await runCli(args)).stdout);
    const async = JSON.parse((await runCli([...args, '--async-checkpoint'])).stdout);
    const pct = (x: number) => `${Math.round(x * 100)}%`;
    expect(readme).toContain(`the same job checkpoints every ${Math.round(own.checkpointIntervalSeconds / 60)} min and keeps ${pct(own.goodput)};`);
    expect(readme).toMatch(new RegExp(`brings it back to ${pct(async.goodput)}`));
  });

  it('shows pictures that exist (made by npm run screenshots)', () => {
    const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]);
    expect(images).toEqual(expect.arrayContaining(['docs/img/report.png', 'docs/img/ui.png']));
    for (const img of images) expect(existsSync(new URL(`../${img}`, import.meta.url)), img).toBe(true);
  });

  it('names every system preset', () => {
    const systems = /- \*\*System\*\*[\s\S]*?\n- \*\*Model\*\*/.exec(readme)![0];
    for (const name of Object.keys(catalog.systems)) expect(systems).toContain(`\`${name}\``);
  });
});
