// Geometry of a sagittal or coronal reformat on screen: pure functions, no DOM.
//
// A reformat (GET /api/series/{id}/reformat/{plane}) has rows down the patient, row 0 at patient z `zTop`, each
// row `spacing[0]` mm lower, and columns `spacing[1]` mm apart. It is drawn at its real aspect (stretched down the
// patient only when it would be too short to use), cropped to the columns the body fills, fitted and centred.

/** The first and last column (inclusive) holding anything denser than air, with a margin; all when none. */
export function bodyColumns(hu, rows, columns, { threshold = -400, margin = 4 } = {}) {
  let first = columns;
  let last = -1;
  for (let row = 0; row < rows; row += Math.max(1, Math.floor(rows / 64))) {
    const offset = row * columns;
    for (let col = 0; col < columns; col++) {
      if (hu[offset + col] > threshold) {
        if (col < first) first = col;
        if (col > last) last = col;
      }
    }
  }
  if (last < first) return { first: 0, last: columns - 1 };
  return { first: Math.max(0, first - margin), last: Math.min(columns - 1, last + margin) };
}

// A short series (20 slices of 2 mm: 4 cm of a 40 cm wide body) at its real aspect is a strip a few pixels
// tall that no one can click a level on: it is stretched down the patient to at least MIN_HEIGHT_SHARE of the
// box, at most MAX_STRETCH times, and the view says so ("stretched ×N").
export const MIN_HEIGHT_SHARE = 0.4;
export const MAX_STRETCH = 8;

/** Where the cropped reformat lands in a box of `width` x `height` CSS pixels: px per mm across (`scale`) and
 * down the patient (`scaleZ`, `stretch` times `scale`), and offsets. */
export function fitLayout({ rows, spacing, crop, zTop }, width, height) {
  const widthMm = (crop.last - crop.first + 1) * spacing[1];
  const heightMm = rows * spacing[0];
  const scale = Math.min(width / widthMm, height / heightMm);
  const wanted = (height * MIN_HEIGHT_SHARE) / (heightMm * scale);
  const stretch = Math.min(MAX_STRETCH, Math.max(1, wanted));
  const scaleZ = scale * stretch;
  return {
    scale,
    scaleZ,
    stretch,
    x: (width - widthMm * scale) / 2,
    y: (height - heightMm * scaleZ) / 2,
    widthPx: widthMm * scale,
    heightPx: heightMm * scaleZ,
    zTop,
    rowMm: spacing[0],
  };
}

/** Screen y (CSS px) of patient z: the centre of the row at z. */
export function yAtZ(layout, z) {
  return layout.y + ((layout.zTop - z) / layout.rowMm + 0.5) * layout.rowMm * layout.scaleZ;
}

/** Patient z at screen y, or null outside the drawn image. */
export function zAtY(layout, y) {
  if (y < layout.y || y > layout.y + layout.heightPx) return null;
  return layout.zTop - ((y - layout.y) / layout.scaleZ - layout.rowMm / 2);
}

/** Index of the image (as the viewer scrolls them) whose slice_location is nearest `z`; -1 when none has one. */
export function nearestSliceIndex(images, z) {
  let best = -1;
  let bestDistance = Infinity;
  images.forEach((image, index) => {
    if (image.slice_location == null) return;
    const distance = Math.abs(image.slice_location - z);
    if (distance < bestDistance) {
      best = index;
      bestDistance = distance;
    }
  });
  return best;
}

/** The detector's name for patient z: a vertebra ("L2"), a disc ("L2/L3"), or "" outside them. */
export function levelAt(levels, z) {
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    const top = level.superior_mm ?? Infinity;
    const bottom = level.inferior_mm ?? -Infinity;
    if (z <= top && z >= bottom) return level.name;
    const below = levels[i + 1];
    if (below && below.superior_mm != null && z < bottom && z > below.superior_mm) {
      return level.name && below.name ? `${level.name}/${below.name}` : "";
    }
  }
  return "";
}
