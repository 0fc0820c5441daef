/**
 * What the fleet simulation leaves out, as its report says it (docs/fleet.md, "Not modelled",
 * says the same at more length).
 */
export const FLEET_NOT_MODELLED: readonly string[] = [
  "a placement's effect on a training job's speed through the step model (the hook is there; the step model does not yet take a placement)",
  "the failure model's planned causes (rolling maintenance windows come from --maintenance-every instead)",
  'link failures as such (the fabric-link cause stops the job on a node and restarts it in place), and correlated failures (a rack or a power event taking several nodes at once)',
  "the checkpoint save's cost, and users' runtime estimates (backfilling uses exact runtimes, so it is at its best)",
  "a restarted job's speed on a spare (it keeps its first placement's), and where spares sit (the last leaf group)",
  "the building's power over time: the fleet's energy counts each GPU-hour by its state; the power swing of one job's step is clustertwin facility's (and report facility's)",
];
