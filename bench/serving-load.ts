/**
 * Serving load benchmarks: parsing a trace's text (a million rows in our columns; 100,000 in the
 * Azure LLM inference traces', whose date-times cost more), and drawing an hour of gamma bursts
 * (CV 3) with uniform and normal lengths.
 */
import { Bench } from 'tinybench';
import { gammaArrivals } from '../src/serving/arrivals.js';
import { parseTrace } from '../src/serving/trace-text.js';
import { printBench } from './print.js';

const ours = `arrival_s,prompt_tokens,output_tokens\n${Array.from({ length: 1_000_000 }, (_, i) => `${(i * 0.01).toFixed(3)},${100 + (i % 4000)},${1 + (i % 500)}`).join('\n')}\n`;
const start = Date.UTC(2023, 10, 16, 18, 17, 3);
const azure = `TIMESTAMP,ContextTokens,GeneratedTokens\n${Array.from({ length: 100_000 }, (_, i) => {
  const t = new Date(start + i * 37).toISOString().replace('T', ' ').replace('Z', '');
  return `${t}0000,${100 + (i % 4000)},${1 + (i % 500)}`;
}).join('\n')}\n`;

const bench = new Bench({ time: 3000, warmupTime: 500, iterations: 3 });
bench
  .add(`serving load: parsing a 1,000,000-row trace (${(ours.length / 2 ** 20).toFixed(0)} MiB, arrival_s,prompt_tokens,output_tokens)`, () => {
    parseTrace(ours, 'bench.csv');
  })
  .add('serving load: parsing a 100,000-row trace in the Azure columns (date-times)', () => {
    parseTrace(azure, 'azure.csv');
  })
  .add('serving load: drawing an hour of gamma bursts (CV 3) at 100 req/s, uniform and normal lengths', () => {
    gammaArrivals({ ratePerSecond: 100, durationSeconds: 3600, cv: 3, prompt: { kind: 'uniform', minTokens: 128, maxTokens: 4096 }, output: { kind: 'normal', meanTokens: 256, sdTokens: 64, minTokens: 1, maxTokens: 512 }, seed: 1 });
  });

await bench.run();
printBench('Serving load', bench);
