/**
 * Summarise a V8 .cpuprofile (from `node --cpu-prof`): self time per function and per area
 * (a package of node_modules, Headliner's own dist/, node internals, GC).
 */
import { readFileSync } from 'node:fs'

/** Where a frame's code lives: '@fastify/reply-from', 'headliner', 'node', '(garbage collector)', ... */
export function areaOf (callFrame) {
  const { url, functionName } = callFrame
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)'
  const nm = url.lastIndexOf('/node_modules/')
  if (nm !== -1) {
    const parts = url.slice(nm + '/node_modules/'.length).split('/')
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]
  }
  if (url.startsWith('node:')) return 'node internals'
  if (url.includes('/dist/')) return 'headliner (dist/)'
  return url
}

function shortUrl (url) {
  const nm = url.lastIndexOf('/node_modules/')
  if (nm !== -1) return url.slice(nm + '/node_modules/'.length)
  const dist = url.indexOf('/dist/')
  return dist !== -1 ? url.slice(dist + 1) : url
}

/**
 * Self time by function and by area (with the area's inclusive time: any of its frames on the
 * stack), and Headliner's own functions by inclusive time. Percentages are of the busy time
 * ((idle) excluded), the part that competes with the upstream for core 0.
 * @returns {{ busyMs, idleMs, top: object[], areas: object[], headliner: object[] }}
 */
export function summarizeProfile (profile, topN = 15) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parentOf = new Map()
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id)
  const selfUs = new Map()
  const { samples, timeDeltas } = profile
  // timeDeltas[i] is the time before sample i; the time a sample stands for is the next delta.
  for (let i = 0; i < samples.length; i++) {
    const dt = timeDeltas[i + 1] ?? 0
    selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + dt)
  }
  const fns = new Map()
  const areas = new Map()
  let idleUs = 0
  let busyUs = 0
  for (const [id, us] of selfUs) {
    const cf = byId.get(id).callFrame
    if (cf.functionName === '(idle)') { idleUs += us; continue }
    busyUs += us
    const key = `${cf.functionName}\u0000${cf.url}\u0000${cf.lineNumber}`
    const f = fns.get(key) ?? { functionName: cf.functionName || '(anonymous)', location: cf.url === '' ? '' : `${shortUrl(cf.url)}:${cf.lineNumber + 1}`, area: areaOf(cf), selfUs: 0, callers: new Map() }
    f.selfUs += us
    fns.set(key, f)
    // Who called it, two frames up: native frames (writev, writeString) only make sense with their caller.
    const chain = callerChain(byId, parentOf, id, 2)
    f.callers.set(chain, (f.callers.get(chain) ?? 0) + us)
    const area = areaOf(cf)
    areas.set(area, (areas.get(area) ?? 0) + us)
  }
  // Inclusive time: a sample counts once for every function and every area on its stack.
  const inclusiveFns = new Map()
  const inclusiveAreas = new Map()
  for (let i = 0; i < samples.length; i++) {
    const dt = timeDeltas[i + 1] ?? 0
    if (byId.get(samples[i]).callFrame.functionName === '(idle)') continue
    const seenFns = new Set()
    const seenAreas = new Set()
    for (let at = samples[i]; at !== undefined; at = parentOf.get(at)) {
      const cf = byId.get(at).callFrame
      if (cf.functionName === '(root)') break
      seenFns.add(frameName(cf))
      seenAreas.add(areaOf(cf))
    }
    for (const k of seenFns) inclusiveFns.set(k, (inclusiveFns.get(k) ?? 0) + dt)
    for (const k of seenAreas) inclusiveAreas.set(k, (inclusiveAreas.get(k) ?? 0) + dt)
  }
  const pct = (us) => Math.round(us / busyUs * 1000) / 10
  const ms = (us) => Math.round(us / 100) / 10
  return {
    busyMs: ms(busyUs),
    idleMs: ms(idleUs),
    top: [...fns.values()].sort((a, b) => b.selfUs - a.selfUs).slice(0, topN)
      .map((f) => ({ functionName: f.functionName, location: f.location, area: f.area, selfMs: ms(f.selfUs), selfPct: pct(f.selfUs), mainCaller: topKey(f.callers) })),
    areas: [...areas.entries()].sort((a, b) => b[1] - a[1])
      .map(([area, us]) => ({ area, selfMs: ms(us), selfPct: pct(us), inclusivePct: pct(inclusiveAreas.get(area) ?? 0) })),
    // Headliner's own functions by inclusive time (what each step costs with what it calls).
    headliner: [...inclusiveFns.entries()].filter(([name]) => name.includes(' dist/')).sort((a, b) => b[1] - a[1]).slice(0, topN)
      .map(([frame, us]) => ({ frame, inclusiveMs: ms(us), inclusivePct: pct(us) }))
  }
}

function frameName (cf) {
  const where = cf.url === '' ? '' : ` ${shortUrl(cf.url)}:${cf.lineNumber + 1}`
  return `${cf.functionName || '(anonymous)'}${where}`
}

function callerChain (byId, parentOf, id, depth) {
  const names = []
  let at = parentOf.get(id)
  while (at !== undefined && names.length < depth) {
    const cf = byId.get(at).callFrame
    if (cf.functionName === '(root)') break
    names.push(frameName(cf))
    at = parentOf.get(at)
  }
  return names.join(' < ') || '(none)'
}

function topKey (map) {
  let best = '(none)'
  let max = -1
  for (const [k, v] of map) if (v > max) { best = k; max = v }
  return best
}

/** Read and summarise a .cpuprofile file. */
export function summarizeProfileFile (file, topN) {
  return summarizeProfile(JSON.parse(readFileSync(file, 'utf8')), topN)
}
