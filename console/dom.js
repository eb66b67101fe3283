/* global document, Node */
// Small DOM and wording helpers for the console. Elements are built with textContent, never
// innerHTML: model names, inputs and answers come from callers and must not become markup.
// The number wording mirrors src/status/format.ts so the page reads like `headliner status`.

/** h('td', { class: 'x', dataset: { version: 'v1' } }, 'text', child) */
export function h (tag, attrs = {}, ...children) {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue
    if (k === 'dataset') Object.assign(el.dataset, v)
    else if (k === 'style') Object.assign(el.style, v)
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v)
    else el.setAttribute(k, v === true ? '' : String(v))
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c))
  return el
}

/** Replaces the children of `el`. */
export function fill (el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== undefined && c !== null && c !== false))
  return el
}

const trim = (v, d) => String(Number(v.toFixed(d)))
export const percent = (r) => r === null || r === undefined || !Number.isFinite(r) ? '-' : `${trim(r * 100, 1)} %`
export const count = (n) => Math.round(n).toLocaleString('en-US')
export const millis = (ms) => ms === null || ms === undefined || !Number.isFinite(ms) ? '-' : `${ms < 10 ? trim(ms, 1) : count(ms)} ms`
export const rate = (n) => `${trim(n, n < 1 ? 2 : 1)}/s`
export const clock = (ms) => `${new Date(ms).toISOString().slice(11, 19)} UTC`

/** The verdict as a badge: one class per verdict so the colour is in the CSS. */
export function badge (verdict) {
  return h('span', { class: `verdict ${verdict}` }, verdict.replace('_', ' '))
}
