/**
 * The image's rules, checked on the Dockerfile itself (no Docker engine runs here): multi-stage,
 * Node 24, non-root, production dependencies only, dist/ from the build stage. And the package's
 * `prepare` script, which `npm ci --omit=dev` runs, must not need the devDependencies.
 */
import { describe, expect, test } from 'vitest'
import { execFile } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { ROOT } from '../helpers/cli.js'

interface Instruction { op: string; args: string }
interface Stage { from: string; name?: string; steps: Instruction[] }

/** Instructions (continuation lines joined, comments dropped), grouped into stages at each FROM. */
export function parseDockerfile (text: string): Stage[] {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
  const stages: Stage[] = []
  for (const line of lines) {
    const [, op = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? []
    if (op.toUpperCase() === 'FROM') {
      const [, from = '', name] = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(args) ?? []
      stages.push({ from, name, steps: [] })
    } else {
      stages.at(-1)?.steps.push({ op: op.toUpperCase(), args })
    }
  }
  return stages
}

const stages = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))
const final = stages.at(-1)!
const steps = (stage: Stage, op: string): string[] => stage.steps.filter((s) => s.op === op).map((s) => s.args)

describe('Dockerfile', () => {
  test('is multi-stage, every stage on Node 24 (slim or distroless)', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2)
    for (const s of stages) expect(s.from).toMatch(/^(docker\.io\/library\/)?node:24(\.\d+)*-(bookworm-|trixie-)?slim(@sha256:[0-9a-f]{64})?$|^gcr\.io\/distroless\/nodejs24-debian\d+(:\S+)?$/)
  })

  test('the build stage installs every dependency and builds dist/', () => {
    const build = stages[0]!
    const run = steps(build, 'RUN').join('\n')
    expect(run).toMatch(/npm ci\b/)
    expect(run).toMatch(/npm run build/)
  })

  test('the final stage: production dependencies only, dist/ from the build stage, no compiler', () => {
    const run = steps(final, 'RUN').join('\n')
    const copies = steps(final, 'COPY')
    // Either it installs with --omit=dev itself, or it copies node_modules from a stage that did.
    const prodStage = stages.find((s) => steps(s, 'RUN').some((r) => /npm ci\b.*--omit=dev/.test(r)))
    expect(prodStage).toBeDefined()
    if (prodStage !== final) expect(copies.some((c) => c.includes(`--from=${prodStage!.name}`) && c.includes('node_modules'))).toBe(true)
    expect(run).not.toMatch(/npm (ci|install)(?![^\n]*--omit=dev)/)
    expect(copies.some((c) => new RegExp(`--from=${stages[0]!.name} .*dist`).test(c))).toBe(true)
    expect(copies.some((c) => /^(--\S+\s+)*(src|\.)(\/)?\s/.test(c))).toBe(false)
  })

  test('the final stage ships the CLI, models/ and dashboards/ under WORKDIR /app (the k8s configs point there)', () => {
    expect(steps(final, 'WORKDIR')).toContain('/app')
    const copies = steps(final, 'COPY').join('\n')
    for (const path of ['bin', 'models', 'dashboards', 'package.json']) expect(copies).toMatch(new RegExp(`\\b${path}\\b`))
    expect(steps(final, 'ENTRYPOINT')).toEqual(['["node", "bin/headliner.js"]'])
  })

  test('runs as a non-root user, exposes the data, metrics and model ports, says why there is no HEALTHCHECK', () => {
    const user = steps(final, 'USER').at(-1)
    expect(user).toBeDefined()
    expect(user).not.toMatch(/^(root|0)(:|$)/)
    expect(steps(final, 'EXPOSE').join(' ').split(/\s+/)).toEqual(expect.arrayContaining(['8080', '9464']))
    // Kubernetes ignores HEALTHCHECK (probes are in the Deployment); the file must say so if it has none.
    if (steps(final, 'HEALTHCHECK').length === 0) expect(readFileSync(join(ROOT, 'Dockerfile'), 'utf8')).toMatch(/#.*HEALTHCHECK/)
  })

  test('the parser reads stages, joined continuation lines and USER (a planted one-stage, root file)', () => {
    const planted = parseDockerfile('FROM node:24-slim AS build\nRUN npm ci \\\n  && npm run build\nUSER root\n')
    expect(planted).toEqual([{ from: 'node:24-slim', name: 'build', steps: [{ op: 'RUN', args: 'npm ci    && npm run build' }, { op: 'USER', args: 'root' }] }])
  })
})

describe('package.json', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string>; engines: { node: string } }

  test('`prepare` succeeds without the devDependencies (npm ci --omit=dev on a fresh clone)', async () => {
    // The package.json alone in an empty directory: no typescript, no node_modules at all.
    const dir = mkdtempSync(join(tmpdir(), 'headliner-prepare-'))
    try {
      copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'))
      const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'prepare'], { cwd: dir, timeout: 60_000 })
      expect(stdout).toMatch(/not building dist/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('engines says the Node versions the suite runs on', () => {
    expect(pkg.engines.node).toBe('>=20.19.0')
  })
})
