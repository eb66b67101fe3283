/**
 * A tiny ns/op harness for the hot functions (no dependency): each case runs a warm-up (so V8 has
 * optimised it), then `rounds` timed batches of `iterations` calls; the figure is the median batch's
 * ns per call, with the min and max batch. Every result is folded into a sink that is printed, so the
 * calls cannot be optimised away. Pinned to one core by bench/micro/run.js when taskset exists.
 */
export const ITERATIONS = 200_000
export const ROUNDS = 7

let sink = 0
/** Fold any value into the sink (numbers, booleans, strings, objects). */
export function consume (value) {
  if (typeof value === 'number') sink = (sink + value) | 0
  else if (typeof value === 'string') sink = (sink + value.length) | 0
  else if (value !== null && value !== undefined) sink = (sink + 1) | 0
}
export const sinkValue = () => sink

/**
 * Time `fn` (called with the iteration index); returns { name, iterations, rounds, nsPerOp, minNs, maxNs }.
 * `iterations` may be lowered for slow cases so a run stays short.
 */
export function bench (name, fn, { iterations = ITERATIONS, rounds = ROUNDS } = {}) {
  for (let i = 0; i < Math.min(iterations, 20_000); i++) consume(fn(i))
  const perOp = []
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < iterations; i++) consume(fn(i))
    perOp.push(Number(process.hrtime.bigint() - start) / iterations)
  }
  perOp.sort((a, b) => a - b)
  const round1 = (x) => Math.round(x * 10) / 10
  return { name, iterations, rounds, nsPerOp: round1(perOp[rounds >> 1]), minNs: round1(perOp[0]), maxNs: round1(perOp[rounds - 1]) }
}

/** Import a compiled module, or undefined when main's dist/ no longer has it (the case is skipped). */
export async function optionalImport (path) {
  try {
    return await import(path)
  } catch {
    return undefined
  }
}
