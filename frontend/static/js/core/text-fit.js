// Text that must fit under a bar or a box of an SVG chart, at 12px (about 7.4 px a character). Pure, no DOM.
//
// API
//   fitLabel(text, widthPx)                 -> text, shortened with "…" to fit
//   wrapLabel(text, widthPx, maxLines = 3)  -> lines of whole words that each fit ("…" only past maxLines)

/** Short enough for `width` px of 12px text; the full name stays in the box's tooltip. */
export function fitLabel(text, width) {
  const room = Math.max(4, Math.floor(width / 7.4));
  return text.length <= room ? text : `${text.slice(0, room - 1)}…`;
}

export function wrapLabel(text, width, maxLines = 3) {
  const room = Math.max(4, Math.floor(width / 7.4));
  const lines = [];
  for (const word of String(text).split(/\s+/).filter(Boolean)) {
    const last = lines.length ? lines[lines.length - 1] : null;
    if (last !== null && `${last} ${word}`.length <= room) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(fitLabel(word, width));
  }
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, maxLines);
  kept[maxLines - 1] = fitLabel(`${kept[maxLines - 1]} ${lines[maxLines]}`, width - 8);
  if (!kept[maxLines - 1].endsWith("…")) kept[maxLines - 1] += "…";
  return kept;
}

