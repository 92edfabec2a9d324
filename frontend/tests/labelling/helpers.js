// Shared test fixtures: deterministic random numbers and small mask builders.

import { createMask } from "../../static/js/labelling/mask.js";

export function seededRandom(seed = 1) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export function randomMask(width, height, { seed = 1, values = 3 } = {}) {
  const random = seededRandom(seed);
  const mask = createMask(width, height);
  for (let i = 0; i < mask.data.length; i++) mask.data[i] = Math.floor(random() * values);
  return mask;
}

export function countValue(mask, value) {
  return mask.data.reduce((total, pixel) => total + (pixel === value), 0);
}

export function pixelsWithValue(mask, value) {
  const points = [];
  mask.data.forEach((pixel, index) => {
    if (pixel === value) points.push({ x: index % mask.width, y: Math.floor(index / mask.width) });
  });
  return points;
}
