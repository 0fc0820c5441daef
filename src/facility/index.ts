/** The building: power, cooling, UPS and generators, cost, and the power swing of synchronous training. */
export { facilityReport, FACILITY_NOT_MODELLED, type FacilityOptions, type FacilityReport, type PowerByPart, type Redundancy, type Cooling } from './report.js';
export { fabricCounts, fabricFor, type FabricCounts } from './fabric-counts.js';
export { powerSwing, type PowerSwing, type PowerSegment, type SwingInputs } from './power-swing.js';
export { powerTrace, type PowerTrace, type PowerTracePoint, type PowerTraceOptions } from './power-trace.js';
