/**
 * Option parsers for commander: each turns the text of one option into a value or throws
 * InvalidArgumentError, which commander reports as `error: option '--port <port>' argument 'abc'
 * is invalid. ...` (one line, exit 2) before the command starts anything.
 */
import { InvalidArgumentError } from 'commander'
import { parseDuration } from '../demo/traffic.js'

/** An integer in [min, max]. */
export function integer (min: number, max: number): (text: string) => number {
  return (text) => {
    const n = Number(text)
    if (text.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`)
    }
    return n
  }
}

/** A TCP port; 0 means any free port. */
export const port = integer(0, 65535)

/** A finite number in [min, max]. */
export function decimal (min: number, max: number): (text: string) => number {
  return (text) => {
    const n = Number(text)
    if (text.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a number from ${min} to ${max}`)
    }
    return n
  }
}

/** A duration in milliseconds from `60s`, `2m`, `500ms` or a number of seconds; more than zero. */
export function duration (text: string): number {
  let ms: number
  try {
    ms = parseDuration(text)
  } catch {
    throw new InvalidArgumentError('expected a duration like 60s, 2m or 500ms')
  }
  if (ms <= 0) throw new InvalidArgumentError('expected a duration above zero')
  return ms
}

/** An http(s) URL. */
export function httpUrl (text: string): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new InvalidArgumentError('expected a URL like http://127.0.0.1:8080')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError('expected an http:// or https:// URL')
  return text.replace(/\/+$/, '')
}

/** One of a fixed list of words. */
export function oneOf<T extends string> (choices: readonly T[]): (text: string) => T {
  return (text) => {
    const found = choices.find((c) => c === text)
    if (found === undefined) throw new InvalidArgumentError(`expected one of ${choices.join(', ')}`)
    return found
  }
}
