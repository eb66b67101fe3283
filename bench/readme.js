/**
 * Regenerate the suite table in bench/README.md from a result file (default: the newest
 * bench/results/suite-*.json):   node bench/readme.js [bench/results/suite-<date>.json]
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { updateReadme } from './lib/suite-report.js'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const RESULTS = join(ROOT, 'bench/results')
const file = process.argv[2] ?? join(RESULTS, readdirSync(RESULTS).filter((f) => /^suite-.*\.json$/.test(f)).sort().at(-1) ?? '')
const result = JSON.parse(readFileSync(file, 'utf8'))
updateReadme(join(ROOT, 'bench/README.md'), { ...result, file: relative(ROOT, file) })
console.log(`bench/README.md: suite table from ${relative(ROOT, file)}`)
