/**
 * The dependency direction of src/ is fenced in eslint.config.js; these tests plant imports that
 * break it (ESLint's Node API, `lintText` with a path inside src/) and expect the rule to fire, so
 * a config change that silently drops the fence fails here. And src/ has no import cycle.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const eslint = new ESLint({ cwd: ROOT })

async function fenceMessages (file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) })
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message)
}

describe('the import fence', () => {
  it.each([
    ['src/runtime/planted.ts', "import { registerInferRoutes } from '../gateway/infer.js'", /does not import a plane/],
    ['src/shadow/planted.ts', "import { buildAdminApp } from '../admin/app.js'", /does not import a plane/],
    ['src/drift/sub/planted.ts', "import type { InferDeps } from '../../gateway/infer.js'", /does not import a plane/],
    ['src/runtime/planted.ts', "import Fastify from 'fastify'", /pure core and the runtime import no framework/],
    ['src/routing/planted.ts', "import { readFileSync } from 'node:fs'", /import no framework, transport, metrics, logger or file system/],
    ['src/vector.ts', "import { Agent } from 'undici'", /import no framework/],
    ['src/shadow/compare.ts', "import type { Registry } from 'prom-client'", /import no framework/],
    ['src/gateway/planted.ts', "import { buildApp } from '../app.js'", /only main.ts and cli\/ import app.ts/],
    ['src/admin/planted.ts', "import { serve } from '../cli/serve.js'", /only main.ts imports cli\//],
    ['src/app.ts', "import './main.js'", /nothing imports main.ts/]
  ])('fires on %s: %s', async (file, code, message) => {
    expect((await fenceMessages(file, code + '\n')).join('\n')).toMatch(message)
  })

  it.each([
    ['src/shadow/planted.ts', "import type { Runtime } from '../runtime/runtime.js'\nimport { Agent } from 'undici'"],
    ['src/admin/routes/planted.ts', "import { buildAdminApp } from '../app.js'"],
    ['src/cli/planted.ts', "import { buildApp } from '../app.js'"],
    ['src/gateway/planted.ts', "import { Runtime } from '../runtime/runtime.js'"]
  ])('lets the allowed direction through: %s', async (file, code) => {
    expect(await fenceMessages(file, code + '\n')).toEqual([])
  })
})

/** Relative imports of each src/ file, resolved to .ts paths (type-only imports count: they still couple). */
function importGraph (): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name)
      if (statSync(path).isDirectory()) walk(path)
      else if (path.endsWith('.ts')) {
        const text = readFileSync(path, 'utf8')
        const targets = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+'(\.[^']+)'/g)].map((m) => resolve(dirname(path), m[1]!.replace(/\.js$/, '.ts')))
        graph.set(path, targets)
      }
    }
  }
  walk(join(ROOT, 'src'))
  return graph
}

/** The first cycle found by depth-first search, as a list of files, or undefined. */
function findCycle (graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined
    if (state.get(node) === 'open') return [...stack.slice(stack.indexOf(node)), node]
    state.set(node, 'open')
    stack.push(node)
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next)
      if (cycle !== undefined) return cycle
    }
    stack.pop()
    state.set(node, 'done')
    return undefined
  }
  for (const node of graph.keys()) {
    const cycle = visit(node)
    if (cycle !== undefined) return cycle
  }
  return undefined
}

describe('src/ import graph', () => {
  it('resolves every relative import to a file', () => {
    const graph = importGraph()
    const missing = [...graph.entries()].flatMap(([from, to]) => to.filter((t) => !graph.has(t)).map((t) => `${from} -> ${t}`))
    expect(missing).toEqual([])
  })

  it('has no import cycle', () => {
    const cycle = findCycle(importGraph())
    expect(cycle?.map((f) => f.slice(ROOT.length + 1)).join(' -> ')).toBeUndefined()
  })

  it('the search finds a planted cycle', () => {
    expect(findCycle(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]]))).toEqual(['a', 'b', 'c', 'a'])
  })
})
