// ESLint flat config: typescript-eslint's recommended rules over src, test and bench, and the fence
// that keeps src/'s dependency direction (docs/architecture.md):
//   cli/main -> app -> gateway, admin -> capabilities -> runtime -> pure core -> config/schema, errors
// It is written with no-restricted-imports patterns per folder and depth, because the imports are
// relative ('../gateway/infer.js'): the same pattern means a different file at another depth.
import { readdirSync, statSync } from 'node:fs'
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import globals from 'globals'

/** Capabilities: they stand on the runtime and must not reach up into a plane. */
const CAPABILITIES = ['shadow', 'drift', 'proxy', 'transform', 'routing', 'protocol', 'runtime', 'metrics', 'state', 'rollout', 'status']
/** The pure core (and the kernel): no framework, no transport, no metrics, no logger, no file system. */
const PURE_FOLDERS = ['routing', 'protocol', 'runtime']
const PURE_FILES = ['src/drift/math.ts', 'src/shadow/compare.ts', 'src/vector.ts', 'src/suggest.ts', 'src/describe.ts',
  'src/transform/{compile,contract,fields-table,labels,oip,post,pre,spec,types}.ts']
const PACKAGES = { regex: '^(fastify|@fastify/.*|undici|prom-client|pino|node:fs|fs|node:fs/promises|fs/promises)$', message: 'the pure core and the runtime import no framework, transport, metrics, logger or file system (docs/architecture.md)' }

const up = (depth) => depth === 0 ? '\\./' : '(\\.\\./){' + depth + '}'
function fence (folder, depth) {
  const patterns = []
  // Nothing imports main.ts; only main imports cli/; only cli/ and main import app.ts.
  if (folder !== 'main.ts') patterns.push({ regex: `^${up(depth)}main\\.js$`, message: 'nothing imports main.ts' })
  if (folder !== 'main.ts' && folder !== 'cli') patterns.push({ regex: `^${up(depth)}cli/`, message: 'only main.ts imports cli/' })
  if (folder !== 'main.ts' && folder !== 'cli' && folder !== 'app.ts') patterns.push({ regex: `^${up(depth)}app\\.js$`, message: 'only main.ts and cli/ import app.ts' })
  if (CAPABILITIES.includes(folder) || folder === 'vector.ts' || folder === 'suggest.ts' || folder === 'describe.ts' || folder === 'errors.ts' || folder === 'schema-path.ts') {
    patterns.push({ regex: `^${up(depth)}(gateway|admin)/`, message: 'a capability does not import a plane (gateway/, admin/)' })
  }
  return patterns
}

const rule = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] })
const depthOf = (file) => file.split('/').length - 2

/** One config object per folder and depth; the pure files' object comes last and adds the package fence. */
function fenceConfigs () {
  const out = []
  for (const name of readdirSync('src')) {
    const isDir = statSync(`src/${name}`).isDirectory()
    for (let depth = isDir ? 1 : 0; depth <= (isDir ? 3 : 0); depth++) {
      const files = isDir ? [`src/${name}/${'*/'.repeat(depth - 1)}*.ts`] : [`src/${name}`]
      const patterns = fence(name, depth)
      out.push({ files, rules: rule(patterns) })
      const pure = PURE_FOLDERS.includes(name) ? files : PURE_FILES.filter((f) => f.startsWith(`src/${name}`) && depthOf(f) === depth)
      if (pure.length > 0) out.push({ files: pure, rules: rule([...patterns, PACKAGES]) })
    }
  }
  return out
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      eqeqeq: ['error', 'smart']
    }
  },
  ...fenceConfigs()
)
