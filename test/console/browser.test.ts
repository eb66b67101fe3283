/**
 * The console in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core), twice:
 * first served by registerConsole on a bare fastify instance, with a GET /status built by buildStatus
 * from windows the test feeds between polls and a diffs route the test adds disagreements to (every
 * rendering path, rollout included); then on the REAL admin plane of a demo gateway (the demo's three
 * model servers behind buildApp), driven by real traffic.
 * Set HEADLINER_CONSOLE_SCREENSHOT=docs/console.png to refresh the committed screenshot (of the real gateway).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import Fastify, { type FastifyInstance } from 'fastify'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { registerConsole } from '../../src/status/console-routes.js'
import { buildStatus } from '../../src/status/report.js'
import { feed, statusFixture } from '../status/fixture.js'
import { until } from '../helpers/wait.js'
import { startDemoVersions, startGateway, type TestGateway } from '../helpers/gateway.js'
import { demoConfig } from '../../src/cli/demo.js'
import { runTraffic } from '../../src/demo/traffic.js'
import type { RunningModelServer } from '../../src/demo/model-server.js'

const CHROMIUM = '/usr/bin/chromium'
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
const WRITE_TOKEN = 'w-token'
const present = existsSync(CHROMIUM)
if (!present) console.warn(`test/console/browser.test.ts skipped: ${CHROMIUM} is absent (apt-get install chromium; .ci/run does)`)

const f = statusFixture([{
  model: 'hit-predictor',
  versions: [
    { name: 'v1', role: 'serving', weight: 90, ready: true, reason: 'ok' },
    { name: 'v2', role: 'candidate', weight: 10, ready: true, reason: 'ok' },
    { name: 'v3', role: 'shadow', weight: 0, mirror: 100, ready: false, reason: 'transform hit-v3 does not match the model: it sends 8 inputs, the model expects 9' }
  ]
}])
const diffs: unknown[] = []
const writes: { method: string; url: string; auth: string | undefined; body: unknown }[] = []
const answer = (name: string, code: string, p: number) => ({ predictions: [{ top: [{ country: code, name, probability: p }] }] })

function traffic (n: number): void {
  feed(f, 'hit-predictor', 'v1', Math.round(n * 0.9), { seconds: 10 })
  feed(f, 'hit-predictor', 'v2', Math.round(n * 0.1), { seconds: 0, ms: 35 })
  for (let i = 0; i < n; i++) f.windows.recordComparison({ model: 'hit-predictor', primary: 'v1', shadow: 'v3', outcome: i % 4 === 0 ? 'disagree' : 'agree', divergence: 0.02 })
}

/** Headless Chromium on a fresh profile dir, its first tab; console errors and warnings, page errors and failed requests go to `problems`. */
async function openTab (problems: string[]): Promise<{ profile: string; context: BrowserContext; page: Page }> {
  const profile = mkdtempSync(join(tmpdir(), 'headliner-chromium-'))
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, headless: true, viewport: { width: 1280, height: 1100 } })
  const page = context.pages()[0] ?? await context.newPage()
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`) })
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`))
  return { profile, context, page }
}

let app: FastifyInstance
let url: string
let context: BrowserContext
let page: Page
let profile: string
const problems: string[] = []
/** Polls the page has finished (it counts them on <body data-polls>); read without script eval, which the CSP forbids. */
const pollCount = async (): Promise<number> => Number(await page.locator('body').getAttribute('data-polls'))

describe.skipIf(!present)('console in headless Chromium', () => {
  beforeAll(async () => {
    f.clock.advance(240_000)
    for (let i = 0; i < 8; i++) { traffic(100); f.clock.advance(5000) }
    f.drift.set('hit-predictor', { verdict: 'warn', worst: [{ name: 'tempo', psi: 0.14, js: 0.08 }, { name: 'energy', psi: 0.07, js: 0.05 }] })
    f.rollout.set('hit-predictor', { candidate: 'v2', state: 'running', step: 10, steps: [5, 10, 25, 50, 100], decisions: [{ at: f.clock.now() - 60_000, step: 5, result: 'advance', reason: 'every gate non-inferior after 5 min' }] })
    app = Fastify()
    await registerConsole(app)
    app.get('/status', async () => buildStatus(f.sources))
    app.get('/admin/models/:model/shadow/diffs', async () => ({ model: 'hit-predictor', diffs }))
    const write = async (request: { method: string; url: string; headers: Record<string, unknown>; body: unknown }) => {
      writes.push({ method: request.method, url: request.url, auth: request.headers.authorization as string | undefined, body: request.body })
      return { ok: true }
    }
    app.put('/admin/models/:model/weights', write)
    app.post('/admin/models/:model/rollout/:action', write)
    url = await app.listen({ host: '127.0.0.1', port: 0 })
    ;({ profile, context, page } = await openTab(problems))
  })

  afterAll(async () => {
    await context?.close()
    await app?.close()
    if (profile !== undefined) rmSync(profile, { recursive: true, force: true })
  })

  it('loads with no console errors and shows each version, the verdict, the weights and the rollout', async () => {
    await page.goto(url)
    const model = page.locator('section[data-model="hit-predictor"]')
    await model.locator('tr[data-version="v3"]').waitFor({ timeout: 15_000 })
    for (const v of ['v1', 'v2', 'v3']) expect(await model.locator(`tr[data-version="${v}"]`).count()).toBe(1)
    expect(await model.locator('h2 .verdict').textContent()).toBe('degraded')
    const reasons = await model.locator('.reasons').textContent()
    expect(reasons).toContain('shadow v3 not ready: transform hit-v3 does not match')
    expect(reasons).toContain('shadow v3 agrees with v1 on 75 % of 800 requests over the last 5 min, below the 90 % floor')
    expect(await model.locator('.weights-bar .segment').allTextContents()).toEqual(['v1 90 %', 'v2 10 %'])
    expect(await model.locator('.drift').textContent()).toContain('tempo PSI 0.14')
    expect(await model.locator('.steps li.current').textContent()).toBe('10 %')
    expect(await model.locator('.decisions').textContent()).toContain('advance: every gate non-inferior')
    // Four charts drawn by uPlot, each with a canvas.
    expect(await model.locator('.chart canvas').count()).toBe(4)
    // The write actions stay hidden until a token is entered.
    expect(await model.locator('.actions').isHidden()).toBe(true)
    expect(problems).toEqual([])
  })

  it('its numbers change after traffic, and a new disagreement appears with the country names', async () => {
    const model = page.locator('section[data-model="hit-predictor"]')
    // The 5-minute column: every batch fed so far.
    const requests = model.locator('tr[data-version="v1"] td[data-field="errors"]').nth(1)
    const before = await requests.textContent()
    expect(before).toBe('0 % of 720')
    const polls = await pollCount()
    traffic(500)
    diffs.unshift({ at: new Date(f.clock.now()).toISOString(), requestId: 'req-42', primary: 'v1', shadow: 'v3', outcome: 'disagree', input: { tempo: 121, energy: 0.8 }, primaryAnswer: answer('Sweden', 'SE', 0.31), shadowAnswer: answer('Norway', 'NO', 0.28), measures: undefined })
    // Two polls after the change: the one in flight may have read the old windows.
    await until(async () => await pollCount() > polls + 1, 15_000)
    expect(await requests.textContent()).toBe('0 % of 1,170')
    const diff = model.locator('.diffs li.diff[data-request="req-42"]')
    await diff.waitFor({ timeout: 15_000 })
    expect(await diff.locator('.primary-answer').textContent()).toBe('Sweden (SE) 31 %')
    expect(await diff.locator('.shadow-answer').textContent()).toBe('Norway (NO) 28 %')
    expect(problems).toEqual([])
  })

  it('with a token, sends weights and a rollout pause through the admin API as Bearer', async () => {
    await page.fill('#token', WRITE_TOKEN)
    await page.click('#token-form button[type=submit]')
    const model = page.locator('section[data-model="hit-predictor"]')
    await model.locator('.actions').waitFor({ state: 'visible', timeout: 15_000 })
    await model.locator('input[name="v1"]').fill('80')
    await model.locator('input[name="v2"]').fill('20')
    await model.locator('input[name="reason"]').fill('more v2')
    await model.locator('.weights-form button[type=submit]').click()
    await model.locator('.weights-form output', { hasText: 'weights set' }).waitFor({ timeout: 15_000 })
    await model.locator('button[data-action="pause"]').click()
    await model.locator('.rollout-actions output', { hasText: 'pause sent' }).waitFor({ timeout: 15_000 })
    expect(writes).toEqual([
      { method: 'PUT', url: '/admin/models/hit-predictor/weights', auth: `Bearer ${WRITE_TOKEN}`, body: { weights: { v1: 80, v2: 20 }, reason: 'more v2' } },
      { method: 'POST', url: '/admin/models/hit-predictor/rollout/pause', auth: `Bearer ${WRITE_TOKEN}`, body: undefined }
    ])
    // The token is kept for this tab only.
    expect(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { getItem: (k: string) => string | null } }).sessionStorage.getItem('headliner.adminToken'))).toBe(WRITE_TOKEN)
    expect(problems).toEqual([])
  })
})

describe.skipIf(!present)('console on the real admin plane of a demo gateway', () => {
  const TOKEN = 'console-read-token'
  let servers: RunningModelServer[] = []
  let gw: TestGateway
  let ctx: BrowserContext
  let tab: Page
  let dir: string
  const seen: string[] = []
  const polls = async (): Promise<number> => Number(await tab.locator('body').getAttribute('data-polls'))
  const traffic = (seed: number) => runTraffic({ url: gw.url, model: 'hit-predictor', rps: 60, durationMs: 2000, drift: 0, named: true, users: 200, seed })

  beforeAll(async () => {
    servers = await startDemoVersions()
    const [v1, v2, v3] = servers.map((m) => m.url) as [string, string, string]
    gw = await startGateway(demoConfig({ host: '127.0.0.1', port: 0, adminPort: 0, modelPort: 0, scenario: 'default' }, { v1, v2, v3 }), { adminToken: TOKEN })
    ;({ profile: dir, context: ctx, page: tab } = await openTab(seen))
  })

  afterAll(async () => {
    await ctx?.close()
    await gw?.close()
    await Promise.all(servers.map((m) => m.close()))
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  })

  it('loads with no token (the page asks for one), then shows each version of the running gateway', async () => {
    await tab.goto(gw.adminUrl + '/')
    await tab.locator('#problem', { hasText: 'wants a token' }).waitFor({ timeout: 15_000 })
    // The only complaint before a token: the browser's own line for the API's 401.
    expect(seen.filter((p) => !/status of 401/.test(p))).toEqual([])
    seen.length = 0
    await tab.fill('#token', TOKEN)
    await tab.click('#token-form button[type=submit]')
    const model = tab.locator('section[data-model="hit-predictor"]')
    await model.locator('tr[data-version="v3"]').waitFor({ timeout: 15_000 })
    for (const v of ['v1', 'v2', 'v3']) expect(await model.locator(`tr[data-version="${v}"]`).count()).toBe(1)
    expect(await model.locator('h2 .verdict').textContent()).toBe('insufficient data')
    expect(await model.locator('.weights-bar .segment').allTextContents()).toEqual(['v1 90 %', 'v2 10 %'])
    expect(await tab.locator('#problem').isHidden()).toBe(true)
    expect(seen).toEqual([])
  })

  it('its numbers change after real traffic, and a shadow disagreement shows the country names', async () => {
    const model = tab.locator('section[data-model="hit-predictor"]')
    const v1Requests = model.locator('tr[data-version="v1"] td[data-field="errors"]').nth(1)
    expect(await v1Requests.textContent()).toBe('-')
    // The gateway counts every call to v1 it answered; one the client gave up on (a loaded CI machine
    // may be that slow) is in the report's count for v1 but not in the windows.
    const v1Count = async () => Number((await v1Requests.textContent())!.replace(/^.* of /, '').replaceAll(',', ''))
    const report = await traffic(1)
    expect(report.byVersion.v1).toBeGreaterThan(50)
    const before = await polls()
    await until(async () => await polls() > before + 1, 15_000)
    const first = await v1Count()
    expect(first).toBeGreaterThanOrEqual(report.byVersion.v1! - report.failed)
    expect(first).toBeLessThanOrEqual(report.byVersion.v1!)
    // v3 is another model: some of its copies disagree with v1.
    const diff = model.locator('.diffs li.diff').first()
    await diff.waitFor({ timeout: 15_000 })
    const country = /^[A-Z][A-Za-z .'-]+ \([A-Z]{2}\) [\d.]+ %$/
    expect(await diff.locator('.primary-answer').textContent()).toMatch(country)
    expect(await diff.locator('.shadow-answer').textContent()).toMatch(country)
    expect(await model.locator('.shadows li[data-shadow="v3"]', { hasText: 'vs v1' }).textContent()).toMatch(/^shadow v3 vs v1: agrees [\d.]+ % of [\d,]+ over 5 min/)
    const more = await traffic(2)
    const again = await polls()
    await until(async () => await polls() > again + 1, 15_000)
    expect(await v1Count()).toBeGreaterThanOrEqual(first + more.byVersion.v1! - more.failed)
    const shot = process.env.HEADLINER_CONSOLE_SCREENSHOT
    if (shot !== undefined && shot !== '') await tab.screenshot({ path: shot, fullPage: true })
    expect(seen).toEqual([])
  })
})
