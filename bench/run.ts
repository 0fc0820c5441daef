/**
 * `npm run bench`: how fast the engine answers. Each suite prints its figures;
 * nothing here asserts (tests never time anything).
 */
console.log(`clustertwin benchmarks (Node ${process.version}, ${process.platform}/${process.arch})`);
await import('./core.js');
await import('./fabric.js');
await import('./reliability.js');
await import('./facility.js');
await import('./workload.js');
await import('./serving.js');
await import('./disaggregated.js');
await import('./serve-plan.js');
await import('./serving-load.js');
await import('./report-serve.js');
await import('./planner.js');
await import('./extreme.js');
await import('./report.js');
await import('./ui.js');
await import('./fleet.js');
