import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it, expect } from 'vitest'
import { parse } from 'yaml'
import { buildHeadlinerDashboard } from '../../src/dashboards/headliner.js'

const DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../dashboards/provisioning')
const load = (name: string): Record<string, unknown> => parse(readFileSync(resolve(DIR, name), 'utf8')) as Record<string, unknown>

describe('dashboards/provisioning', () => {
  it('dashboards.yaml: one file provider (apiVersion 1) with a path to read the JSON from', () => {
    const doc = load('dashboards.yaml') as { apiVersion: number, providers: Array<{ type: string, options: { path: string } }> }
    expect(doc.apiVersion).toBe(1)
    expect(doc.providers.map((p) => [p.type, p.options.path])).toEqual([['file', '/var/lib/grafana/dashboards/headliner']])
  })

  it('datasources.yaml: a Prometheus, the type the dashboard\'s datasource variable lists', () => {
    const doc = load('datasources.yaml') as { apiVersion: number, datasources: Array<{ type: string, url: string }> }
    const variable = (buildHeadlinerDashboard() as { templating: { list: Array<{ name: string, type: string, query: unknown }> } })
      .templating.list.find((v) => v.name === 'datasource')
    expect(doc.apiVersion).toBe(1)
    expect(variable).toMatchObject({ type: 'datasource', query: 'prometheus' })
    expect(doc.datasources.map((d) => [d.type, d.url])).toEqual([['prometheus', 'http://prometheus:9090']])
  })
})
