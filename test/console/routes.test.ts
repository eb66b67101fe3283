import { afterEach, describe, expect, it } from 'vitest'
import Fastify, { type FastifyInstance } from 'fastify'
import { CONSOLE_CSP, registerConsole } from '../../src/status/console-routes.js'

let app: FastifyInstance | undefined
afterEach(async () => { await app?.close(); app = undefined })

describe('registerConsole', () => {
  it('serves the page, its modules and the vendored uPlot with their content types and the CSP', async () => {
    app = Fastify()
    await registerConsole(app)
    const expected: Record<string, RegExp> = {
      '/': /^text\/html/,
      '/console/console.js': /^text\/javascript/,
      '/console/dom.js': /^text\/javascript/,
      '/console/charts.js': /^text\/javascript/,
      '/console/actions.js': /^text\/javascript/,
      '/console/console.css': /^text\/css/,
      '/console/vendor/uplot.iife.min.js': /^text\/javascript/,
      '/console/vendor/uplot.min.css': /^text\/css/
    }
    for (const [url, type] of Object.entries(expected)) {
      const res = await app.inject({ url })
      expect(res.statusCode, url).toBe(200)
      expect(res.headers['content-type'], url).toMatch(type)
      expect(res.headers['content-security-policy'], url).toBe(CONSOLE_CSP)
      expect(res.headers['x-content-type-options']).toBe('nosniff')
    }
    expect((await app.inject({ url: '/console/vendor/uplot.iife.min.js' })).body).toContain('uPlot')
    expect((await app.inject({ url: '/console/nope.js' })).statusCode).toBe(404)
  })

  it('names no external origin: not in the CSP, not in the page', async () => {
    app = Fastify()
    await registerConsole(app)
    expect(CONSOLE_CSP).not.toMatch(/https?:|\*/)
    expect(CONSOLE_CSP).not.toContain('unsafe-inline')
    const html = (await app.inject({ url: '/' })).body
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1])
    expect(refs.length).toBeGreaterThan(3)
    for (const ref of refs) expect(ref).toMatch(/^(\/console\/|data:,$)/)
  })
})
