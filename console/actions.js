// The admin token and the write actions. The token lives in sessionStorage (this tab only, gone
// when it closes) and goes out as a Bearer header; the actions call the same admin API as the CLI
// and show its answer, so a refused change (400 listing the problems, 409 while a rollout owns the
// weights, 401/403 for a read-only token) reads the same here as anywhere.
import { h } from './dom.js'

const KEY = 'headliner.adminToken'

export const token = {
  get: () => sessionStorage.getItem(KEY) ?? '',
  set: (value) => value === '' ? sessionStorage.removeItem(KEY) : sessionStorage.setItem(KEY, value)
}

/** Headers for an admin request, with the token when one was entered. */
export function authHeaders (extra = {}) {
  const t = token.get()
  return t === '' ? { ...extra } : { ...extra, authorization: `Bearer ${t}` }
}

/** Sends a write and resolves with the line to show: the API's error message or `done`. */
async function send (method, url, body, done) {
  try {
    const res = await fetch(url, {
      method,
      headers: authHeaders(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000)
    })
    if (res.ok) return done
    const answer = await res.json().catch(() => ({}))
    return `refused (${res.status}): ${answer.error ?? res.statusText}`
  } catch (err) {
    return `failed: ${err.message}`
  }
}

/** A form with one weight per serving version; PUT /admin/models/{m}/weights. */
export function weightsForm (model) {
  const serving = model.versions.filter((v) => v.role !== 'shadow')
  const result = h('output', { class: 'result' })
  const inputs = serving.map((v) => h('input', { type: 'number', min: 0, max: 100, step: 1, value: v.weight, name: v.name, 'aria-label': `weight of ${v.name}` }))
  const reason = h('input', { type: 'text', name: 'reason', placeholder: 'reason (audit log)', size: 24 })
  const form = h('form', {
    class: 'weights-form',
    onsubmit: async (event) => {
      event.preventDefault()
      const weights = Object.fromEntries(inputs.map((i) => [i.name, Number(i.value)]))
      const body = { weights, ...(reason.value.trim() !== '' ? { reason: reason.value.trim() } : {}) }
      result.textContent = 'sending...'
      result.textContent = await send('PUT', `/admin/models/${encodeURIComponent(model.model)}/weights`, body, 'weights set')
    }
  }, serving.map((v, i) => h('label', {}, `${v.name} `, inputs[i], ' %')), reason, h('button', { type: 'submit' }, 'Set weights'), result)
  return form
}

/** Pause and abort buttons for a model's rollout; POST /admin/models/{m}/rollout/pause|abort. */
export function rolloutButtons (model) {
  const result = h('output', { class: 'result' })
  const button = (action) => h('button', {
    type: 'button',
    dataset: { action },
    onclick: async () => {
      result.textContent = 'sending...'
      result.textContent = await send('POST', `/admin/models/${encodeURIComponent(model.model)}/rollout/${action}`, undefined, `${action} sent`)
    }
  }, action === 'pause' ? 'Pause rollout' : 'Abort rollout')
  return h('div', { class: 'rollout-actions' }, button('pause'), button('abort'), result)
}
