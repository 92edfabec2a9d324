// How the labelling and review pages set up the shared image stage (core/stage.js): a decoration canvas
// for the brush cursor and the polygon, their own class names, and 0 (not F, a tool key) to fit.

export const LABELLING_STAGE = Object.freeze({ label: "CT slice with mask overlay", className: "ls", decorations: true, fitKey: "0" });
