/** Poll `check` every 25 ms until it holds; fail after `ms`. For asynchronous effects (scrapes, shadows, reloads). */
export async function until (check: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error('condition not met in time')
}
