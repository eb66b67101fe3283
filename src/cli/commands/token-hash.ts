/**
 * `headliner token hash`: the line to paste into `admin.tokens` (or a tokens file). Reads the token
 * from stdin, or, when stdin is a terminal or with --generate, makes a new one and prints it once.
 */
import { command, UsageError } from '../command.js'
import { oneOf } from '../options.js'
import { generateToken, sha256Hex } from '../../admin/tokens.js'

interface Options { name: string; role: 'read' | 'write'; generate: boolean }

/** Bounded read: a token is short; more than 64 KiB on stdin is a mistake, not a token. */
async function readStdin (stdin: NodeJS.ReadableStream): Promise<string> {
  let text = ''
  for await (const chunk of stdin) {
    text += String(chunk)
    if (text.length > 65_536) throw new UsageError('stdin holds more than 64 KiB: pipe in the token only')
  }
  return text.trim()
}

export const tokenHashCommand = command<Options>({
  name: ['token', 'hash'],
  summary: 'print the admin.tokens entry (name, role, sha256) for a token read on stdin, or a new one',
  define: (cmd) => cmd
    .option('--name <name>', 'the token\'s name, as the audit trail shows it', 'operator')
    .option('--role <role>', 'read (GET) or write (every call)', oneOf(['read', 'write'] as const), 'read')
    .option('--generate', 'make a new random token instead of reading stdin', false),
  run: async (o, _args, ctx) => {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(o.name)) throw new UsageError(`--name "${o.name}": use letters, digits, '_', '.', '-' (at most 63)`)
    const generated = o.generate || ctx.stdin.isTTY === true
    const token = generated ? generateToken() : await readStdin(ctx.stdin)
    if (token === '') throw new UsageError('no token on stdin (pipe one in, or use --generate)')
    // The token goes to stderr so that stdout is exactly the line to paste.
    if (generated) ctx.err(`token (give it to the client; only its hash is kept): ${token}`)
    ctx.out(`- { name: ${o.name}, role: ${o.role}, sha256: ${sha256Hex(token)} }`)
    return 0
  }
})
