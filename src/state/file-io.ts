/**
 * File-system pieces of the file store: an atomic replace (temp file + fsync + rename, so a reader sees
 * the old document or the new one, never half of one), a stamp to notice another process's write
 * cheaply, and a lock file that makes compare-and-set safe between processes on one machine.
 */
import { randomBytes } from 'node:crypto'
import { open, rename, stat, unlink, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/** Writes `text` to `path` by renaming a fsync'ed temp file over it; the directory is fsync'ed after. */
export async function replaceFile (path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  const handle = await open(temp, 'w', 0o600)
  try {
    await handle.writeFile(text)
    await handle.sync()
  } finally {
    await handle.close()
  }
  try {
    await rename(temp, path)
  } catch (err) {
    await unlink(temp).catch(() => undefined)
    throw err
  }
  // The rename is durable once the directory entry is; not every file system lets a directory be opened.
  const dir = await open(dirname(path), 'r').catch(() => undefined)
  if (dir !== undefined) await dir.sync().catch(() => undefined).finally(() => dir.close())
}

/** Identity of a file's current content (inode, size, mtime): changes with every replaceFile. 'absent' when missing. */
export async function stampOf (path: string): Promise<string> {
  try {
    const s = await stat(path, { bigint: true })
    return `${s.ino}:${s.size}:${s.mtimeNs}`
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'absent'
    throw err
  }
}

export interface LockOptions {
  /** Give up waiting for the lock after this long. */
  waitMs: number
  /** A lock file older than this was left by a crashed process and is broken. */
  staleMs: number
}

/**
 * Runs `fn` holding `lockPath` (created exclusively; removed after). Waits, bounded, while another
 * process holds it; throws an Error naming the lock when the wait runs out.
 */
export async function withLock<T> (lockPath: string, opts: LockOptions, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + opts.waitMs
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx', 0o600)
      await writeFile(handle, `${process.pid}\n`).finally(() => handle.close())
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    const age = await stat(lockPath).then((s) => Date.now() - s.mtimeMs, () => 0)
    if (age > opts.staleMs) {
      await unlink(lockPath).catch(() => undefined)
      continue
    }
    if (Date.now() > deadline) throw new Error(`lock ${lockPath} still held after ${opts.waitMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 15))
  }
  try {
    return await fn()
  } finally {
    await unlink(lockPath).catch(() => undefined)
  }
}

/**
 * The revision at the head of a state document (`{"revision":N,...`, as the store writes it), read
 * from its first bytes: a cheap compare for compare-and-set and polling. A stamp alone is not enough
 * (a freed inode is reused, file times are coarse, two documents can have one size). Undefined when
 * the file is absent or starts differently (edited by hand: the caller reads it whole).
 */
export async function headRevision (path: string): Promise<number | undefined> {
  let handle
  try {
    handle = await open(path, 'r')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(40), 0, 40, 0)
    const m = /^\{"revision":(\d+),/.exec(buffer.subarray(0, bytesRead).toString('latin1'))
    return m === null ? undefined : Number(m[1])
  } finally {
    await handle.close()
  }
}
