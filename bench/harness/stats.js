'use strict';

function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Relative spread of a sample: (max - min) / median. */
function spread(values) {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length < 2) return NaN;
  return (Math.max(...finite) - Math.min(...finite)) / median(finite);
}

/**
 * Ratio of a library to raw: the median of the per-repetition ratios. Each repetition runs every
 * library back to back, so pairing them cancels most of what the machine's other tenants do.
 */
function pairedRatio(library, raw) {
  return median(repetitionRatios(library, raw).filter(Number.isFinite));
}

/** Each repetition's ratio, in the order run (NaN where a repetition has no usable pair). */
function repetitionRatios(library, raw) {
  const ratios = [];
  for (let i = 0; i < Math.min(library.length, raw.length); i++) {
    ratios.push(Number.isFinite(library[i]) && Number.isFinite(raw[i]) && raw[i] > 0 ? library[i] / raw[i] : Number.NaN);
  }
  return ratios;
}

module.exports = { median, spread, pairedRatio, repetitionRatios };
