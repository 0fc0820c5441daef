/**
 * The building's figures as label-value rows: `clustertwin facility` prints them as a table and
 * `report facility` as a section, from this one list.
 */
import { formatInt } from '../units.js';
import type { FacilityReport, PowerByPart } from './index.js';

/** The IT power's parts, labelled, in the order both outputs list them. */
export const POWER_PARTS: ReadonlyArray<readonly [string, keyof PowerByPart]> = [
  ['GPUs', 'gpusMW'],
  ['hosts (CPUs, memory, fans, NVSwitch)', 'hostsMW'],
  ['NICs', 'nicsMW'],
  ['switches and optics', 'switchesMW'],
  ['storage', 'storageMW'],
  ['total IT', 'totalMW'],
];

/** Megawatts, two decimals below 10 MW. */
export const formatMW = (x: number): string => `${x.toFixed(x < 10 ? 2 : 1)} MW`;
const kva = (x: number): string => `${formatInt(x)} kVA`;

/** Facility power, racks, cooling, fabric, cables, UPS and generators. */
export function buildingRows(r: FacilityReport): Array<[string, string]> {
  return [
    ['facility power', `${formatMW(r.facilityPowerMW)} (PUE ${r.pue})`],
    ['racks', `${formatInt(r.racks.compute)} compute + ${formatInt(r.racks.network)} network`],
    ['power per rack', `${r.powerPerRackKW.design.toFixed(1)} kW rated, ${r.powerPerRackKW.average.toFixed(1)} kW under training`],
    ['cooling', r.cooling],
    ['fabric', `${r.fabricTiers} tiers: ${formatInt(r.switches.leaf)} leaf, ${formatInt(r.switches.spine)} spine, ${formatInt(r.switches.core)} core switches`],
    ['cables', `${formatInt(r.cables.nodeLeaf)} node-leaf, ${formatInt(r.cables.leafSpine)} leaf-spine, ${formatInt(r.cables.spineCore)} spine-core; ${formatInt(r.transceivers)} transceivers`],
    ['UPS', `${r.ups.redundancy}: ${r.ups.modules} x ${kva(r.ups.moduleKva)} = ${kva(r.ups.installedKva)} for a ${kva(r.ups.loadKva)} load (pf ${r.ups.powerFactor})`],
    ['generators', `${r.generators.redundancy}: ${r.generators.units} x ${kva(r.generators.unitKva)} = ${kva(r.generators.installedKva)} for a ${kva(r.generators.loadKva)} load (pf ${r.generators.powerFactor})`],
  ];
}
