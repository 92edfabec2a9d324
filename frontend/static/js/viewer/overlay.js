// Mask overlay: an 8-bit label map (1 muscle, 2 liver) turned into translucent colour. Pure; no DOM.
//
// The label map arrives as a grayscale PNG; decoded into RGBA (canvas getImageData) each pixel's label
// is its red byte. Colours match the labelling canvas (annotations' default label set).

export const LABEL_COLOURS = Object.freeze({
  1: Object.freeze({ name: "muscle", rgb: [229, 72, 77] }),
  2: Object.freeze({ name: "liver", rgb: [62, 99, 221] }),
});
export const OVERLAY_ALPHA = 115; // of 255: the CT stays readable under the colour

/**
 * Colours a decoded label map in place of a new RGBA buffer: labels from the red byte of `rgba`
 * (4 bytes a pixel). Returns { pixels: Uint8ClampedArray, counts: { muscle, liver } }.
 */
export function overlayPixels(rgba, { colours = LABEL_COLOURS, alpha = OVERLAY_ALPHA } = {}) {
  const pixels = new Uint8ClampedArray(rgba.length);
  const counts = Object.fromEntries(Object.values(colours).map((c) => [c.name, 0]));
  for (let i = 0; i < rgba.length; i += 4) {
    const colour = colours[rgba[i]];
    if (!colour) continue;
    pixels[i] = colour.rgb[0];
    pixels[i + 1] = colour.rgb[1];
    pixels[i + 2] = colour.rgb[2];
    pixels[i + 3] = alpha;
    counts[colour.name] += 1;
  }
  return { pixels, counts };
}
