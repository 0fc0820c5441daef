/**
 * The web twin's bundle: the engine, the presets and the page, built into dist/web (static files
 * that `clustertwin ui` serves). Relative URLs (base './') so the folder works from any path.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: './',
  plugins: [preact()],
  // The page reads presets/ from the repository root, above web/.
  server: { fs: { allow: [here('..')] } },
  worker: { format: 'es' },
  build: {
    outDir: here('../dist/web'),
    emptyOutDir: true,
    // One chunk per entry is fine: the engine and Plot are needed at once.
    chunkSizeWarningLimit: 2048,
    // No source maps shipped: the package carries dist/web.
    sourcemap: false,
  },
});
