/**
 * Writes the README's generated blocks (example outputs, the model list) from what the tool prints
 * now (scripts/readme-blocks.ts; a test checks the README is current).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// Colour off before the CLI's colour module is first loaded: the README holds plain text.
process.env.NO_COLOR = '1';
const { packageRoot } = await import('../src/node/presets.js');
const { applyBlocks, readmeBlocks, chatgptDocBlocks, CHATGPT_DOC } = await import('./readme-blocks.js');

const file = join(packageRoot(), 'README.md');
const blocks = await readmeBlocks();
writeFileSync(file, applyBlocks(readFileSync(file, 'utf8'), blocks));
console.log(`wrote README.md (${Object.keys(blocks).join(', ')})`);
const doc = join(packageRoot(), CHATGPT_DOC);
const docBlocks = await chatgptDocBlocks();
writeFileSync(doc, applyBlocks(readFileSync(doc, 'utf8'), docBlocks));
console.log(`wrote ${CHATGPT_DOC} (${Object.keys(docBlocks).join(', ')})`);
