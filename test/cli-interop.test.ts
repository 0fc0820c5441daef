/** `clustertwin import` and `export` (and `plan --export`): output, files, and one-line errors with exit code 2. */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli, spawnCli } from './support/cli.js';
import { testDir } from './support/temp-dir.js';

const SCENARIO = ['--system', 'dgx-h100', '--model', 'llama3-70b', '--gpus', '64', '--tp', '4', '--pp', '4', '--vp', '5', '--cp', '2', '--seq', '8192', '--gbs', '128'];
const ARGS = ['pretrain_gpt.py', '--num-layers', '32', '--hidden-size', '4096', '--num-attention-heads', '32', '--seq-length', '2048', '--max-position-embeddings', '2048', '--micro-batch-size', '1', '--global-batch-size', '64', '--bf16', '--tokenizer-type', 'GPT2BPETokenizer', '--lr', '1e-4', '--rampup-batch-size', '16', '16', '100'];

describe('clustertwin export', () => {
  it('prints the command, the launch file and what it could not export', async () => {
    const r = await runCli(['export', '--format', 'megatron', '--launcher', 'slurm', ...SCENARIO]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('==> command.sh <==');
    expect(r.stdout).toContain('--num-virtual-stages-per-pipeline-rank 5');
    expect(r.stdout).toContain('#SBATCH --nodes=8');
    expect(r.stdout).toContain('# not exported: overlapInterference = both-ways');
  });

  it('writes every file into --out, and --json prints one object', async () => {
    const dir = testDir();
    const r = await runCli(['export', '--format', 'nemo', '--launcher', 'k8s', ...SCENARIO, '--out', dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.format).toBe('nemo');
    expect(readdirSync(dir).sort()).toEqual(['command.sh', 'nemo-config.yaml', 'train-job.yaml']);
    expect(parse(readFileSync(join(dir, 'nemo-config.yaml'), 'utf8')).model.virtual_pipeline_model_parallel_size).toBe(5);
  });

  it.each([
    [['--format', 'pytorch'], /^error: --format: unknown format "pytorch"; allowed: megatron, nemo/],
    [['--format', 'megatron', '--launcher', 'mpirun'], /^error: --launcher: unknown launcher "mpirun"; allowed: slurm, torchrun, k8s/],
    [['--format', 'megatron', '--out', '/nonexistent/folder'], /^error: --out: \/nonexistent\/folder: not an existing folder/],
    [[], /required option '--format <format>' not specified/],
  ])('rejects %j with one line and exit code 2', async (args, message) => {
    const r = await runCli(['export', ...args, ...SCENARIO]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});

describe('clustertwin import', () => {
  it('imports a published torchtitan job with the GPU count its launcher would give', async () => {
    const r = await runCli(['import', 'torchtitan', 'test/fixtures/torchtitan/llama3_8b.toml', '--system', 'dgx-h100', '--gpus', '8', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.scenario).toMatchObject({ model: 'llama3.1-8b', gpus: 8, zero: 3, system: 'dgx-h100' });
  });

  it('imports a DeepSpeed config with --gpus as the world size', async () => {
    const dir = testDir();
    const file = join(dir, 'ds_config.json');
    writeFileSync(file, JSON.stringify({ train_micro_batch_size_per_gpu: 2, gradient_accumulation_steps: 4, zero_optimization: { stage: 2 }, bf16: { enabled: true } }));
    const r = await runCli(['import', 'deepspeed', file, '--model', 'llama3-8b', '--system', 'dgx-h100', '--gpus', '16', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).scenario).toMatchObject({ gpus: 16, mbs: 2, gbs: 128, zero: 2 });
  });

  it('prints scenario YAML with mapped, ignored and unknown options as comments', async () => {
    const r = await runCli(['import', 'megatron', '--system', 'dgx-h100', '--gpus', '8', '--', ...ARGS]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('# ignored: --lr');
    expect(r.stdout).toContain('# unknown: --rampup-batch-size 16 16 100');
    const s = parse(r.stdout);
    expect(s).toMatchObject({ gpus: 8, gbs: 64, seq: 2048, precision: 'bf16', system: 'dgx-h100' });
  });

  it('runs the import with --simulate --json', async () => {
    const r = await runCli(['import', 'megatron', '--system', 'dgx-h100', '--gpus', '8', '--simulate', '--json', '--', ...ARGS]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.result.stepTimeSeconds).toBeGreaterThan(0);
    expect(j.unknown).toEqual(['--rampup-batch-size 16 16 100']);
  });

  it('reads a NeMo file, and an export of it reads back', async () => {
    const dir = testDir();
    await runCli(['export', '--format', 'nemo', ...SCENARIO, '--out', dir]);
    const r = await runCli(['import', 'nemo', join(dir, 'nemo-config.yaml'), '--system', 'dgx-h100', '--vocab', '128256', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).scenario).toMatchObject({ model: 'llama3-70b', tp: 4, pp: 4, vp: 5, cp: 2, gpus: 64 });
  });

  it.each([
    [['import', 'caffe', '--', 'x'], /^error: FORMAT: unknown format "caffe"; allowed: megatron, nemo/],
    [['import', 'torchtitan', 'test/fixtures/torchtitan/llama3_8b.toml', '--system', 'dgx-h100'], /^error: --gpus: global_batch_size -1 is local_batch_size x the data-parallel degree/],
    [['import', 'megatron'], /^error: INPUT: give the megatron arguments after --/],
    [['import', 'nemo', '/nonexistent.yaml'], /^error: FILE: cannot read \/nonexistent.yaml/],
    [['import', 'megatron', '--gpus', '8', '--', 'pretrain_gpt.py', '--num-layers', 'many'], /^error: --num-layers: expected a whole number/],
    [['import', 'megatron', '--gpus', '8', '--', 'pretrain_gpt.py', '--num-layers', '2', '--hidden-size', '64', '--num-attention-heads', '2', '--seq-length', '64', '--micro-batch-size', '1', '--tokenizer-type', 'NullTokenizer', '--vocab-size', '99', '--bf16', '--fp8-format', 'hybrid', '--fp8-recipe', 'fancy'], /^error: --fp8-recipe: must be one of tensorwise, delayed, mxfp8, blockwise/],
  ])('rejects %j with one line and exit code 2', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  it('reads a config file as TOML by its name (torchtitan jobs are TOML), and names a bad one', async () => {
    const dir = testDir();
    const bad = join(dir, 'job.toml');
    writeFileSync(bad, '[model\nname = 1\n');
    const r = await runCli(['import', 'nemo', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: FILE: .*job.toml: not valid TOML/);
    const good = join(dir, 'nemo.toml');
    writeFileSync(good, '[trainer]\ndevices = 8\nprecision = "bf16"\n[model]\nnum_layers = 2\nhidden_size = 64\nnum_attention_heads = 2\nencoder_seq_length = 64\nmicro_batch_size = 1\nglobal_batch_size = 8\n[model.tokenizer]\ntype = "GPT2BPETokenizer"\n');
    const ok = await runCli(['import', 'nemo', good, '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).scenario).toMatchObject({ gpus: 8, gbs: 8, seq: 64 });
  });

  it('a NeMo file with a bad value names the key', async () => {
    const dir = testDir();
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'model:\n  activation: tanh\n');
    const r = await runCli(['import', 'nemo', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: NeMo model.activation: must be one of gelu/);
  });
});

describe('plan --export', () => {
  it.each([
    [['--export', 'caffe'], /^error: --export: unknown format "caffe"/],
    [['--export', 'megatron', '--launcher', 'pbs'], /^error: --launcher: unknown launcher "pbs"/],
    [['--launcher', 'slurm'], /^error: --launcher: wraps an export; give --export too/],
    [['--export-dir', '/tmp'], /^error: --export-dir: writes an export's files; give --export too/],
    [['--export', 'megatron', '--shard', '1/2'], /^error: --export: exports the best plan of a whole search; not with --shard/],
  ])('rejects %j before searching, with exit code 2', async (args, message) => {
    const r = await runCli(['plan', '--model', 'llama3-8b', '--system', 'dgx-h100', '--gpus', '8', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')[0]).toMatch(message);
  });

  it('exports the best plan with a torchrun line', async () => {
    const r = await runCli(['plan', '--model', 'llama3-8b', '--system', 'dgx-h100', '--gpus', '16', '--top', '1', '--threads', '1', '--export', 'megatron', '--launcher', 'torchrun']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('The best plan for megatron:');
    expect(r.stdout).toMatch(/torchrun --nnodes 2 --nproc-per-node 8/);
  });

  it('import and export have help with examples, as processes', () => {
    for (const cmd of ['import', 'export']) {
      const r = spawnCli([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Examples:');
    }
  });
});
