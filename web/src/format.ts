/** Number formats of the page: the CLI's, from src/units.ts. */
export { formatBytes, formatCount, formatDuration, formatPercent as pct, formatUsd as usd, formatInt as int } from '../../src/units.js';
