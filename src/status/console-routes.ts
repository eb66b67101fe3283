/**
 * The console page for the admin plane: `GET /` is console/index.html, `/console/*` its modules and
 * styles, `/console/vendor/*` uPlot as installed in node_modules. Files are read once at register
 * time (a handful of small files; a missing one fails startup, not a request), and every answer
 * carries a Content-Security-Policy that names no external origin: the page can only talk to the
 * admin port it came from.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'

/** console/ at the package root: two levels up from src/status/ and from dist/status/ alike. */
export const CONSOLE_DIR = fileURLToPath(new URL('../../console/', import.meta.url))

/**
 * 'self' only; no inline script or style element. uPlot sizes its canvas through element.style
 * (the CSSOM), which style-src does not govern, so it needs no 'unsafe-inline'.
 */
export const CONSOLE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

const TYPES: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png'
})

export interface ConsoleOptions {
  /** Where the page's files are. Default: console/ of this package. */
  dir?: string
}

/** The files served, by URL path, with their content type. Exported for the tests. */
export function consoleFiles (dir = CONSOLE_DIR): Map<string, { body: Buffer; type: string }> {
  const require = createRequire(import.meta.url)
  const files = new Map<string, { body: Buffer; type: string }>()
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)]
    if (type === undefined) continue
    files.set(name === 'index.html' ? '/' : `/console/${name}`, { body: readFileSync(join(dir, name)), type })
  }
  // uplot has no "exports" map, so its dist files resolve by subpath.
  files.set('/console/vendor/uplot.iife.min.js', { body: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js')), type: TYPES['.js']! })
  files.set('/console/vendor/uplot.min.css', { body: readFileSync(require.resolve('uplot/dist/uPlot.min.css')), type: TYPES['.css']! })
  return files
}

/**
 * Mounts the console on an admin fastify instance and resolves with the paths it serves, which the
 * admin plane leaves open (the page holds no data); what it shows comes from GET /status and the
 * admin API, which check the token.
 * @example const open = await registerConsole(admin) // ['/', '/console/console.js', ...]
 */
export async function registerConsole (app: FastifyInstance, options: ConsoleOptions = {}): Promise<string[]> {
  const files = consoleFiles(options.dir)
  for (const [path, file] of files) {
    app.get(path, async (_request, reply) => reply
      .header('content-security-policy', CONSOLE_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      // Short-lived: a gateway upgrade must not leave an old page talking to a new API.
      .header('cache-control', 'no-cache')
      .type(file.type)
      .send(file.body))
  }
  return [...files.keys()]
}
