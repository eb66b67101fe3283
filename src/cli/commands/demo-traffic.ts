/**
 * `headliner demo traffic`: steady song traffic against a gateway. Exit 1 when any request failed;
 * when every one failed, the line says why (the first failure's reason).
 */
import { command } from '../command.js'
import { decimal, duration, httpUrl, integer } from '../options.js'
import { runTraffic, type TrafficReport } from '../../demo/traffic.js'

interface Options { url: string; model: string; rps: number; duration: number; drift: number; named: boolean; users: number; seed: number }

export const demoTrafficCommand = command<Options>({
  name: ['demo', 'traffic'],
  summary: 'send realistic song traffic to a gateway at a steady rate',
  define: (cmd) => cmd
    .option('--url <url>', 'data-plane URL of the gateway', httpUrl, 'http://127.0.0.1:8080')
    .option('--model <name>', 'model to call', 'hit-predictor')
    .option('--rps <n>', 'requests per second (1-10000)', integer(1, 10_000), 50)
    .option('--duration <d>', 'how long: 60s, 2m, 500ms', duration, 60_000)
    .option('--drift <x>', 'shift of the songs from the training data, 0-1', decimal(0, 1), 0)
    .option('--named', 'send named features to KServe v1 :predict instead of OIP tensors', false)
    .option('--users <n>', 'distinct x-user-id values; 0 sends none', integer(0, 100_000_000), 1000)
    .option('--seed <n>', 'random seed', integer(0, 2 ** 32 - 1), 1),
  run: async (o, _args, ctx) => {
    const report = await runTraffic({
      url: o.url, model: o.model, rps: o.rps, durationMs: o.duration, drift: o.drift, named: o.named, users: o.users, seed: o.seed
    }, (r) => ctx.err(`sent ${r.sent}, ok ${r.ok}, failed ${r.failed}`))
    ctx.out(JSON.stringify(report))
    const summary = failureSummary(report)
    if (summary !== undefined) ctx.err(summary)
    return report.failed > 0 ? 1 : 0
  }
})

/** One line when requests failed: all of them (with the first reason), or how many. */
export function failureSummary (r: TrafficReport): string | undefined {
  if (r.failed === 0) return undefined
  const reason = r.firstFailure === undefined ? '' : `: ${r.firstFailure}`
  return r.ok === 0 ? `all ${r.failed} requests failed${reason}` : `${r.failed} of ${r.sent} requests failed (first${reason})`
}
