// Which labels a mask covers (pure, no DOM). A label left out is "not annotated" on this image: its
// pixels are unknown, not background, so training ignores it there. A mask may not paint such a label.
// The server gets the covered names in the X-Labels-Covered header of each save (docs/annotations-api.md).
//
// API
//   initialCoverage(labels, revision)      -> Set of covered names: the revision's labels_covered, else all
//   coverageHeader(labels, covered)        -> "muscle,liver" in label-set order (throws if none covered)
//   paintedOutsideCoverage(mask, covered)  -> [{ value, name, pixels }] for painted labels not covered
//   describeCoverage(labels, covered)      -> "muscle and liver" / "muscle only" / "no label"
//   uncoveredWarning(painted)              -> the sentence to show, or "" when nothing conflicts
//   withoutUncovered(mask, covered)        -> a copy with uncovered labels set to background (so a review
//                                             diff does not count the pre-label's liver erased from a
//                                             muscle-only mask as a correction)

export function initialCoverage(labels, revision) {
  const names = labels.map((label) => label.name);
  const stored = revision?.labels_covered;
  return new Set(Array.isArray(stored) ? names.filter((name) => stored.includes(name)) : names);
}

export function coverageHeader(labels, covered) {
  const names = labels.map((label) => label.name).filter((name) => covered.has(name));
  if (!names.length) throw new RangeError("Tick at least one label this mask covers.");
  return names.join(",");
}

export function paintedOutsideCoverage(mask, covered) {
  const counts = new Uint32Array(256);
  for (const value of mask.data) counts[value] += 1;
  return mask.labels
    .filter((label) => !covered.has(label.name) && counts[label.value] > 0)
    .map((label) => ({ value: label.value, name: label.name, pixels: counts[label.value] }));
}

export function describeCoverage(labels, covered) {
  const names = labels.map((label) => label.name).filter((name) => covered.has(name));
  if (!names.length) return "no label";
  const listed = names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
  return names.length === labels.length ? listed : `${listed} only`;
}

export function uncoveredWarning(painted) {
  if (!painted.length) return "";
  const listed = painted.map(({ name, pixels }) => `${name} (${pixels} px)`).join(", ");
  return `The mask paints ${listed}, which it says it does not cover: erase it or tick the label again before saving.`;
}

export function withoutUncovered(mask, covered) {
  const dropped = new Set(mask.labels.filter((label) => !covered.has(label.name)).map((label) => label.value));
  const data = dropped.size ? mask.data.map((value) => (dropped.has(value) ? 0 : value)) : mask.data.slice();
  return { ...mask, data };
}
