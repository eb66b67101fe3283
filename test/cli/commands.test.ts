/**
 * The command table as a user meets it (the real bin over dist/): help and version, exit codes,
 * options checked before anything starts, and nothing left running when a port is taken.
 * Run `npm run build` before running this file alone.
 */
import { connect, createServer, type Server } from 'node:net'
import { networkInterfaces } from 'node:os'
import { createHash } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { runHeadliner, runHeadlinerSync, spawnHeadliner, type Run } from '../helpers/cli.js'
import { deadPort } from '../helpers/gateway.js'

// Quiet: no info lines of servers a command starts, so stderr holds only what a user is told.
const QUIET = { HEADLINER_LOG_LEVEL: 'warn' }
const headliner = (args: string[], input?: string): Run => runHeadlinerSync(args, { env: QUIET, input })
const headlinerAsync = async (args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> => await runHeadliner(args, { env: { ...QUIET, ...env } })

const servers: Server[] = []
afterEach(async () => { await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve)))) })

async function occupy (): Promise<number> {
  const s = createServer()
  servers.push(s)
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  return (s.address() as { port: number }).port
}

/** True when something accepts connections on 127.0.0.1:port. */
async function listening (port: number): Promise<boolean> {
  const s = createServer()
  return await new Promise<boolean>((resolve) => {
    s.once('error', () => resolve(true))
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)))
  })
}

const COMMANDS = [['serve'], ['config', 'check'], ['demo'], ['demo', 'traffic'], ['demo', 'training-set'], ['profile', 'build'], ['status'], ['token', 'hash'], ['weights', 'get'], ['weights', 'set'], ['mirrors', 'set'], ['overrides', 'reset'], ['audit'], ['demo-model']]

describe('help, version and exit codes', () => {
  it('--help and -h print each command\'s usage on stdout and exit 0', async () => {
    const calls = [[], ...COMMANDS].flatMap((words) => ['--help', '-h'].map((flag) => [...words, flag]))
    // A few at a time: a Node start-up each, on a machine that may be busy (all at once timed out).
    const runs: Run[] = []
    for (let i = 0; i < calls.length; i += 4) runs.push(...await Promise.all(calls.slice(i, i + 4).map((args) => headlinerAsync(args))))
    runs.forEach((run, i) => {
      const words = calls[i]!.slice(0, -1)
      expect(run.code, calls[i]!.join(' ')).toBe(0)
      expect(run.stdout).toMatch(new RegExp(`^Usage: headliner${words.length > 0 ? ` ${words.join(' ')}` : ''} `))
    })
  }, 240_000)

  it('--version prints the package version', () => {
    const run = headliner(['--version'])
    expect(run.code).toBe(0)
    expect(run.stdout).toBe('0.1.0\n')
  })

  it('usage errors are one line on stderr and exit 2', async () => {
    const cases: [string[], string][] = [
      [['demo', '--port', 'abc'], "error: option '--port <port>' argument 'abc' is invalid. expected an integer from 0 to 65535\n"],
      [['demo', 'traffic', '--rps', '0'], "error: option '--rps <n>' argument '0' is invalid. expected an integer from 1 to 10000\n"],
      [['demo', 'traffic', '--duration', 'soon'], "error: option '--duration <d>' argument 'soon' is invalid. expected a duration like 60s, 2m or 500ms\n"],
      [['demo', '--scenario', 'nope'], "error: option '--scenario <name>' argument 'nope' is invalid. expected one of default, stale-transform, shadows\n"],
      [['serve'], "error: required option '-c, --config <file>' not specified\n"],
      [['nonsense'], "error: unknown command 'nonsense'\n"],
      [['profile', 'build', '--input', 'x.csv', '--model', 'm', '--score', 'http://127.0.0.1:1'], "error: --score needs --labels FILE (the model's output labels, in column order)\n"]
    ]
    const runs = await Promise.all(cases.map(([args]) => headlinerAsync(args)))
    runs.forEach((run, i) => {
      expect(run.code, cases[i]![0].join(' ')).toBe(2)
      expect(run.stderr).toBe(cases[i]![1])
      expect(run.stdout).toBe('')
    })
  }, 120_000)
})

describe('headliner demo refuses to start half-way', () => {
  it('exits 1 with one line when the data port is taken, and leaves no model server running', async () => {
    const taken = await occupy()
    const modelPort = await deadPort()
    const run = await headlinerAsync(['demo', '--port', String(taken), '--admin-port', '0', '--model-port', String(modelPort)])
    expect(run.code).toBe(1)
    expect(run.stderr.trim().split('\n').filter((l) => l.startsWith('error'))).toEqual([`error: data plane cannot listen on 127.0.0.1:${taken}: address already in use`])
    for (const p of [modelPort, modelPort + 1, modelPort + 2]) expect(await listening(p), `model port ${p}`).toBe(false)
  })

  it('exits 1 when a model port is taken, closing the model servers already started', async () => {
    // modelPort + 1 may belong to another test's process: take a pair whose second port we can hold.
    let modelPort = 0
    for (let i = 0; i < 20 && modelPort === 0; i++) {
      const candidate = await deadPort()
      const s = createServer()
      const held = await new Promise<boolean>((resolve) => {
        s.once('error', () => resolve(false))
        s.listen(candidate + 1, '127.0.0.1', () => resolve(true))
      })
      if (held) { servers.push(s); modelPort = candidate }
    }
    expect(modelPort).not.toBe(0)
    const run = await headlinerAsync(['demo', '--port', '0', '--admin-port', '0', '--model-port', String(modelPort)])
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(`error: demo model server v2 cannot listen on 127.0.0.1:${modelPort + 1}: address already in use`)
    expect(await listening(modelPort)).toBe(false)
  })
})

describe('headliner serve', () => {
  it('exits 1 with one line when HEADLINER_ADMIN_TOKEN_FILE cannot be read, before listening', async () => {
    const run = await headlinerAsync(['serve', '--config', 'test/fixtures/config/valid-minimal.yaml'], { HEADLINER_ADMIN_TOKEN: '', HEADLINER_ADMIN_TOKEN_FILE: '/nonexistent/token' })
    expect(run.code).toBe(1)
    expect(run.stderr).toBe('error: HEADLINER_ADMIN_TOKEN_FILE: cannot read /nonexistent/token: ENOENT\n')
  })
})

describe('headliner demo traffic', () => {
  it('says why when every request failed, exit 1', async () => {
    const port = await deadPort()
    const run = await headlinerAsync(['demo', 'traffic', '--url', `http://127.0.0.1:${port}`, '--rps', '20', '--duration', '1s'])
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(new RegExp(`^all \\d+ requests failed: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}$`, 'm'))
  })
})

describe('headliner token hash', () => {
  it('prints the admin.tokens entry for a token read on stdin, never the token', () => {
    const run = headliner(['token', 'hash', '--name', 'ci', '--role', 'write'], 's3cret\n')
    expect(run.code).toBe(0)
    const sha = createHash('sha256').update('s3cret').digest('hex')
    expect(run.stdout).toBe(`- { name: ci, role: write, sha256: ${sha} }\n`)
    expect(run.stdout + run.stderr).not.toContain('s3cret')
  })

  it('generates a token with --generate: the token on stderr, its entry on stdout', () => {
    const run = headliner(['token', 'hash', '--generate'])
    expect(run.code).toBe(0)
    const token = /only its hash is kept\): (\S+)/.exec(run.stderr)?.[1]
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(run.stdout).toBe(`- { name: operator, role: read, sha256: ${createHash('sha256').update(token!).digest('hex')} }\n`)
  })
})

describe('headliner demo binds what its banner says', () => {
  it('listens on 127.0.0.1 by default, not on every interface', async () => {
    const demo = await spawnHeadliner(['demo', '--port', '0', '--admin-port', '0', '--model-port', '0'], (out) => {
      const m = /data plane\s+(http:\/\/\S+)/.exec(out)
      return m !== null && out.includes('Try:') ? { data: m[1]! } : undefined
    }, { HEADLINER_LOG_LEVEL: 'warn' })
    try {
      const url = new URL(demo.data)
      expect(url.hostname).toBe('127.0.0.1')
      // Reaching the port through another local address must fail when only loopback is bound.
      const other = Object.values(networkInterfaces()).flat().find((i) => i !== undefined && i.family === 'IPv4' && !i.internal)
      if (other !== undefined) {
        const reached = await new Promise<boolean>((resolve) => {
          const s = connect(Number(url.port), other.address, () => { s.destroy(); resolve(true) })
          s.once('error', () => resolve(false))
        })
        expect(reached, `port ${url.port} reachable on ${other.address}`).toBe(false)
      }
    } finally {
      demo.child.kill('SIGTERM')
      await demo.exited
    }
  }, 60_000)
})
