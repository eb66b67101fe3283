/**
 * nginx and haproxy as the baselines a user would otherwise pick (Debian's /usr/sbin binaries). The
 * config is generated into the run's temp dir; each runs in the foreground as ONE process (nginx
 * `master_process off`, haproxy `-db` with one thread), pinned to the server core like the gateway, so
 * /proc/<pid>/stat holds all of its CPU. Neither logs requests (nginx `access_log off`; haproxy has no
 * log target): at info the gateway writes one line per request, which these rows do not pay for.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { checkInference } from './parties.js'
import { freePort, waitFor } from './procs.js'

export const NGINX = '/usr/sbin/nginx'
export const HAPROXY = '/usr/sbin/haproxy'

/** Which of the two are installed here (the bench skips the rest with a note). */
export function nativeProxies () {
  return { nginx: existsSync(NGINX), haproxy: existsSync(HAPROXY) }
}

const hostPort = (url) => new URL(url).host

/**
 * nginx.conf text: `servers` ([{ url, weight }]) behind one keep-alive upstream; with `mirror` (a URL)
 * every request is also sent to it through nginx's `mirror` module (the primary answer waits for the
 * copy's subrequest to finish: that is how nginx mirrors).
 */
export function nginxConfig ({ dir, port, servers, mirror }) {
  const upstream = (name, list) => `  upstream ${name} {\n${list.map((s) => `    server ${hostPort(s.url)} weight=${s.weight};\n`).join('')}    keepalive 64;\n  }\n`
  const proxied = (name) => `proxy_pass http://${name}; proxy_http_version 1.1; proxy_set_header Connection "";`
  return `daemon off;
master_process off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  client_body_buffer_size 64k;
  keepalive_requests 1000000;
${upstream('primary', servers)}${mirror === undefined ? '' : upstream('shadow', [{ url: mirror, weight: 1 }])}  server {
    listen 127.0.0.1:${port};
    location / {
${mirror === undefined ? '' : '      mirror /mirror;\n      mirror_request_body on;\n'}      ${proxied('primary')}
    }
${mirror === undefined ? '' : `    location = /mirror {\n      internal;\n      proxy_pass http://shadow$request_uri; proxy_http_version 1.1; proxy_set_header Connection "";\n    }\n`}  }
}
`
}

/** haproxy.cfg text: `servers` ([{ url, weight }]) weighted round-robin, connections reused. */
export function haproxyConfig ({ port, servers }) {
  return `global
  nbthread 1
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  http-reuse always
frontend fe
  bind 127.0.0.1:${port}
  default_backend be
backend be
  balance roundrobin
${servers.map((s, i) => `  server s${i} ${hostPort(s.url)} weight ${s.weight}\n`).join('')}`
}

async function startNative (ctx, { name, command, args, port, check }) {
  const party = ctx.group.spawn({ name, command, args, core: 0 })
  const url = `http://127.0.0.1:${port}`
  await waitFor(() => checkInference(url, check).then(() => true), { what: `${name} on ${url}`, party })
  return { name, url, party }
}

/** nginx in front of `servers`, optionally mirroring every request to `mirror`. */
export async function startNginx (ctx, { servers, mirror, name = 'nginx', check }) {
  const port = await freePort()
  const dir = join(ctx.tmpDir, `${name}-${port}`)
  mkdirSync(dir, { recursive: true })
  const conf = join(dir, 'nginx.conf')
  writeFileSync(conf, nginxConfig({ dir, port, servers, mirror }))
  return startNative(ctx, { name, command: NGINX, args: ['-p', dir, '-c', conf, '-e', join(dir, 'error.log')], port, check })
}

/** haproxy in front of `servers` (weighted). */
export async function startHaproxy (ctx, { servers, name = 'haproxy', check }) {
  const port = await freePort()
  const conf = join(ctx.tmpDir, `${name}-${port}.cfg`)
  writeFileSync(conf, haproxyConfig({ port, servers }))
  return startNative(ctx, { name, command: HAPROXY, args: ['-db', '-f', conf], port, check })
}
