/**
 * What the rendered objects carry is right, checked by the tools that will read it: the gateway
 * config by `headliner config check` (the built CLI), the PrometheusRule's groups by `promtool check
 * rules`, the dashboard ConfigMaps against dashboards/*.json, and the generated files against their
 * generator.
 */
import { beforeAll, describe, expect, test } from 'vitest'
import { execFile } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { stringify } from 'yaml'
import { ROOT, runHeadliner } from '../helpers/cli.js'
import { overlays, render, type K8sObject } from './render.js'

/* eslint-disable @typescript-eslint/no-explicit-any -- reading rendered objects */
type Any = any

const run = promisify(execFile)
/** The exit code and output of a command (promtool), without throwing on a non-zero exit. */
async function exec (cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(cmd, args, { cwd: ROOT, timeout: 60_000 })
    return { code: 0, out: stdout + stderr }
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string }
    return { code: typeof e.code === 'number' ? e.code : -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` }
  }
}

const rendered = new Map<string, K8sObject[]>()
const dir = mkdtempSync(join(tmpdir(), 'headliner-k8s-'))

beforeAll(async () => {
  for (const o of overlays()) rendered.set(o, await render(join(ROOT, 'k8s', 'overlays', o)))
  return () => rmSync(dir, { recursive: true, force: true })
}, 120_000)

/**
 * The ConfigMap's headliner.yaml as the pod sees it, written to a file. Its paths under /app are the
 * image's WORKDIR (the Dockerfile test pins it), which holds this checkout's models/: mapped to ROOT.
 */
function configFile (overlay: string, text?: string): string {
  const cm = rendered.get(overlay)!.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'headliner-config') as Any
  const file = join(dir, `${overlay}-headliner.yaml`)
  writeFileSync(file, (text ?? cm.data['headliner.yaml']).replaceAll('/app/', `${ROOT}/`))
  return file
}

describe.each(overlays())('%s', (overlay) => {
  test('the ConfigMap\'s headliner.yaml passes `headliner config check`', async () => {
    const result = await runHeadliner(['config', 'check', configFile(overlay)], { timeoutMs: 60_000 })
    expect(result.stdout + result.stderr).toMatch(/^ok: /)
    expect(result.code).toBe(0)
  })

  test('the PrometheusRule\'s groups pass `promtool check rules`', async () => {
    const rule = rendered.get(overlay)!.find((o) => o.kind === 'PrometheusRule') as Any
    expect(rule.spec.groups.length).toBeGreaterThan(0)
    const file = join(dir, `${overlay}-rules.yaml`)
    writeFileSync(file, stringify({ groups: rule.spec.groups }))
    const result = await exec('promtool', ['check', 'rules', file])
    expect(result.out).toMatch(/SUCCESS/)
    expect(result.code).toBe(0)
  })

  test('the dashboard ConfigMaps, labelled for the Grafana sidecar, equal dashboards/*.json', () => {
    const maps = rendered.get(overlay)!.filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1') as Any[]
    const inMaps = Object.fromEntries(maps.flatMap((m) => Object.entries(m.data)))
    const files = readdirSync(join(ROOT, 'dashboards')).filter((f) => f.endsWith('.json')).sort()
    expect(files.length).toBeGreaterThan(0)
    expect(Object.keys(inMaps).sort()).toEqual(files)
    for (const f of files) expect(inMaps[f]).toBe(readFileSync(join(ROOT, 'dashboards', f), 'utf8'))
  })
})

describe('the checks fail on planted defects', () => {
  test('config check refuses a ConfigMap config with a misspelt field', async () => {
    const text = (rendered.get('demo')!.find((o) => o.metadata.name === 'headliner-config') as Any).data['headliner.yaml'].replace('sticky:', 'stiky:')
    const result = await runHeadliner(['config', 'check', configFile('demo', text)], { timeoutMs: 60_000 })
    expect(result.code).not.toBe(0)
    expect(result.stdout + result.stderr).toMatch(/stiky/)
  })
  test('promtool refuses a rule with a broken expression', async () => {
    const file = join(dir, 'broken-rules.yaml')
    writeFileSync(file, stringify({ groups: [{ name: 'g', rules: [{ record: 'a:b:c', expr: 'sum(rate(x[5m])' }] }] }))
    expect((await exec('promtool', ['check', 'rules', file])).code).not.toBe(0)
  })
})

describe('generated files (npm run k8s:generate)', () => {
  test('the committed k8s/base/generated/* are what the generator writes from today\'s sources', async () => {
    const result = await exec(process.execPath, ['k8s/generate.mjs', '--check'])
    expect(result.out).toBe('')
    expect(result.code).toBe(0)
  })

  test('--check fails, naming the file, after a dashboard changes or a rules file is added', async () => {
    const root = join(dir, 'root')
    for (const d of ['dashboards', 'k8s/prometheus', 'k8s/base/generated']) {
      mkdirSync(join(root, d), { recursive: true })
      cpSync(join(ROOT, d), join(root, d), { recursive: true })
    }
    const check = () => exec(process.execPath, ['k8s/generate.mjs', '--check', '--root', root])
    expect((await check()).code).toBe(0)
    writeFileSync(join(root, 'dashboards', 'extra.json'), '{"title": "extra"}\n')
    expect(await check()).toEqual({ code: 1, out: expect.stringMatching(/stale generated files .*k8s\/base\/generated\/dashboards\.yaml/) })
    rmSync(join(root, 'dashboards', 'extra.json'))
    writeFileSync(join(root, 'k8s', 'prometheus', 'extra.rules.yaml'), 'groups:\n  - name: extra\n    rules:\n      - record: a:b:c\n        expr: up\n')
    expect(await check()).toEqual({ code: 1, out: expect.stringMatching(/k8s\/base\/generated\/prometheus-rule\.yaml/) })
  })
})
