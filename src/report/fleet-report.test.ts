/** The fleet and facility reports' assembly: every section, chart, table and not-modelled line lands in the HTML. */
import { describe, expect, it } from 'vitest';
import { parseHTML } from 'linkedom';
import { resolveSystem } from '../config/catalog.js';
import { resolveScenario } from '../engine.js';
import { facilityReport, FACILITY_NOT_MODELLED } from '../facility/index.js';
import { fleetBuilding } from '../fleet/building.js';
import { fleetModel } from '../fleet/fleet-model.js';
import { FLEET_NOT_MODELLED } from '../fleet/not-modelled.js';
import { simulateFleet } from '../fleet/simulate-fleet.js';
import { nodeDocument } from '../node/dom.js';
import { loadPresets } from '../node/presets.js';
import { testJobs } from '../../test/support/fleet-jobs.js';
import { facilityCharts, facilityReportDocument } from './facility-report.js';
import { fleetCharts, fleetReport } from './fleet-report.js';
import { escapeHtml, reportHtml } from './html-report.js';

const catalog = loadPresets();
const system = resolveSystem(catalog, 'nd-h100-v5');

function sectionsOf(html: string) {
  const { document } = parseHTML(html);
  return {
    document,
    headings: [...document.querySelectorAll('h2')].map((h) => h.textContent),
    charts: [...document.querySelectorAll('figure[data-chart]')].map((f) => f.getAttribute('data-chart')),
  };
}

describe('the fleet report', () => {
  const r = simulateFleet(fleetModel(system, { gpus: 512, hotSpares: 1, failureRateScale: 10 }), testJobs({ jobs: 200, days: 3, seed: 2, maxGpus: 256 }), { days: 3, scheduler: 'backfill', placement: 'topology', seed: 2 });
  const doc = fleetReport({ report: r, workload: 'test jobs', building: fleetBuilding(system, r.gpus), rerun: 'clustertwin fleet --gpus 512', generatedBy: 'test' });
  const html = reportHtml(doc, nodeDocument());
  const { document, headings, charts } = sectionsOf(html);

  it('holds every section, chart and table, and what is not modelled', () => {
    expect(headings).toEqual(['Jobs and failures', 'GPU-hours by state', 'The queue', 'By job size', 'The building', 'Scenario', 'Not modelled']);
    expect(charts).toEqual(fleetCharts(r).map((c) => c.id));
    expect(charts).toEqual(['fleet-gpu-hours', 'fleet-utilization', 'fleet-queue', 'fleet-queueing-delay', 'fleet-goodput']);
    const tables = [...document.querySelectorAll('table.grid')];
    expect(tables).toHaveLength(2);
    // GPU-hours by state: one row a state and the total; by size: one a class.
    expect(tables[0]!.querySelectorAll('tbody tr')).toHaveLength(7);
    expect(tables[1]!.querySelectorAll('tbody tr')).toHaveLength(4);
    for (const line of FLEET_NOT_MODELLED) expect(html).toContain(escapeHtml(line));
    expect(html).toContain('clustertwin fleet --gpus 512');
    expect(html).not.toMatch(/<script/i);
  });

  it('leaves the building out when not given', () => {
    const without = sectionsOf(reportHtml({ ...fleetReport({ report: r, workload: 'w', rerun: '', generatedBy: '' }) }, nodeDocument()));
    expect(without.headings).not.toContain('The building');
  });
});

describe('the facility report', () => {
  const s = resolveScenario({ system: 'dgx-h100', model: 'llama3-8b', gpus: 64, gbs: 64 }, catalog);
  const f = facilityReport(s.system, 64, { scenario: s });

  it('holds every section, the power chart, and what is not modelled', () => {
    const html = reportHtml(facilityReportDocument({ report: f, rerun: 'clustertwin facility --gpus 64', generatedBy: 'test' }), nodeDocument());
    const { headings, charts } = sectionsOf(html);
    expect(headings).toEqual(['IT power', 'The building', 'Cost', 'Power swing of the synchronous step', 'Scenario', 'Not modelled']);
    expect(charts).toEqual(['facility-power']);
    for (const line of FACILITY_NOT_MODELLED) expect(html).toContain(escapeHtml(line));
  });

  it('says why there is no chart without the swing', () => {
    const noSwing = facilityReport(s.system, 64);
    expect(facilityCharts(noSwing)).toEqual([]);
    const html = reportHtml(facilityReportDocument({ report: noSwing, rerun: '', generatedBy: '' }), nodeDocument());
    expect(sectionsOf(html).charts).toEqual([]);
    expect(html).toContain('--no-swing');
  });
});
