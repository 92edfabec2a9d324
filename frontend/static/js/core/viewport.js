// Viewport math: where the image sits on the canvas. Pure; no DOM.
//
// A viewport is { scale, aspect, x, y }: image pixel (col, row) is drawn at screen point
// (x + col * scale, y + row * scale * aspect). `aspect` is row spacing / column spacing, so
// non-square pixels keep their physical shape. Screen units are CSS pixels of the canvas.

export const MIN_SCALE = 0.05;
export const MAX_SCALE = 40;
// How much of the image must stay on screen when panning, in screen pixels.
export const KEEP_VISIBLE = 48;

export function aspectFromSpacing(spacing) {
  const [rowMm, colMm] = spacing ?? [];
  return rowMm > 0 && colMm > 0 ? rowMm / colMm : 1;
}

/** Image size on screen at this viewport. */
export function displayedSize(viewport, image) {
  return { width: image.columns * viewport.scale, height: image.rows * viewport.scale * viewport.aspect };
}

/** The whole image centred in the canvas, as large as fits. */
export function fitViewport(image, canvas, aspect = 1) {
  const scale = Math.min(canvas.width / image.columns, canvas.height / (image.rows * aspect));
  const safe = clampScale(scale);
  return {
    scale: safe,
    aspect,
    x: (canvas.width - image.columns * safe) / 2,
    y: (canvas.height - image.rows * safe * aspect) / 2,
  };
}

export function clampScale(scale) {
  return Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale));
}

export function imageToScreen(viewport, point) {
  return { x: viewport.x + point.x * viewport.scale, y: viewport.y + point.y * viewport.scale * viewport.aspect };
}

export function screenToImage(viewport, point) {
  return { x: (point.x - viewport.x) / viewport.scale, y: (point.y - viewport.y) / (viewport.scale * viewport.aspect) };
}

/** Multiplies the scale by `factor`, keeping the image point under `anchor` (screen) where it is. */
export function zoomAt(viewport, factor, anchor) {
  const scale = clampScale(viewport.scale * factor);
  const ratio = scale / viewport.scale;
  return {
    ...viewport,
    scale,
    x: anchor.x - (anchor.x - viewport.x) * ratio,
    y: anchor.y - (anchor.y - viewport.y) * ratio,
  };
}

export function pan(viewport, dx, dy) {
  return { ...viewport, x: viewport.x + dx, y: viewport.y + dy };
}

/** Keeps at least KEEP_VISIBLE screen pixels of the image (or all of it, if smaller) on the canvas. */
export function clampViewport(viewport, image, canvas) {
  const size = displayedSize(viewport, image);
  const keepX = Math.min(KEEP_VISIBLE, size.width);
  const keepY = Math.min(KEEP_VISIBLE, size.height);
  return {
    ...viewport,
    x: Math.min(canvas.width - keepX, Math.max(keepX - size.width, viewport.x)),
    y: Math.min(canvas.height - keepY, Math.max(keepY - size.height, viewport.y)),
  };
}

/** The integer pixel (col, row) under a screen point, or null when the point is off the image. */
export function pixelAt(viewport, image, point) {
  const p = screenToImage(viewport, point);
  const col = Math.floor(p.x);
  const row = Math.floor(p.y);
  if (col < 0 || row < 0 || col >= image.columns || row >= image.rows) return null;
  return { col, row };
}

/** Wheel delta to a zoom factor: one notch (100 px) is about 1.2x; direction as in maps. */
export function wheelZoomFactor(deltaY) {
  return Math.exp(-deltaY * 0.0018);
}

// A mouse wheel notch is about 100 px (deltaMode 0) or 3 lines; trackpads send many small deltas.
const NOTCH_PX = 100;
const TRACKPAD_STEP_PX = 60;

/**
 * Slices to move for one wheel event: one per mouse-wheel notch, or one per TRACKPAD_STEP_PX of
 * accumulated small trackpad deltas. Returns { steps, remainder } (remainder carries to the next event).
 */
export function wheelSliceSteps(deltaY, deltaMode, remainder = 0) {
  if (deltaMode !== 0) return { steps: Math.sign(deltaY), remainder: 0 };
  if (Math.abs(deltaY) >= NOTCH_PX / 2) {
    return { steps: Math.sign(deltaY) * Math.max(1, Math.round(Math.abs(deltaY) / NOTCH_PX)), remainder: 0 };
  }
  const total = remainder + deltaY;
  const steps = Math.trunc(total / TRACKPAD_STEP_PX);
  return { steps, remainder: total - steps * TRACKPAD_STEP_PX };
}
