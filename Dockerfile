# The Headliner image: the gateway (`serve`), and the demo model servers of k8s/overlays/*
# (`demo-model`), from one build.
#   docker build -t headliner:0.1.0 .
#   docker run --rm -p 8080:8080 headliner:0.1.0 demo --host 0.0.0.0
# Rules (test/k8s/dockerfile.test.ts): multi-stage, Node 24, non-root, production dependencies only.

# 1. Build: every dependency (typescript included), then dist/.
FROM node:24-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before src/ is here; the build runs below.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# 2. Production dependencies only, in a stage of their own so no dev package reaches the image.
FROM node:24-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# 3. Runtime: node, the compiled CLI, its production dependencies, and the data it reads.
FROM node:24-slim
ENV NODE_ENV=production
# The k8s configs name files under /app (transforms, drift references): keep this path.
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY models ./models
COPY dashboards ./dashboards
# A uid with no entry in /etc/passwd and no home: nothing in the image is writable by it. Kubernetes
# sets the same uid (runAsUser 10001) and runAsNonRoot checks it is not 0.
USER 10001:10001
# 8080 data plane, 9464 metrics; 9001-9003 the demo model servers. The admin API (9901) listens on
# 127.0.0.1 only and is not exposed.
EXPOSE 8080 9464 9001 9002 9003
# No HEALTHCHECK: Kubernetes ignores it (the Deployment's readiness, liveness and startup probes ask
# /v2/health/ready and /v2/health/live), and the slim image has no curl to run one with.
ENTRYPOINT ["node", "bin/headliner.js"]
CMD ["serve", "--config", "/etc/headliner/headliner.yaml"]
