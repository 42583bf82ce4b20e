# syntax=docker/dockerfile:1
# One image for the gateway, the province subgraphs and their sync workers; the command picks the role:
#   gateway:   (default; also serves the console's built files at /console/)
#   subgraph:  node --enable-source-maps dist/subgraphs/catalogue/main.js --province chongqing
#   sync:      node --enable-source-maps dist/subgraphs/catalogue/sync/main.js --province chongqing
# Certificates, keys and config are mounted (Kubernetes secrets / config maps), never baked in.
# The image runs the compiled JavaScript (`npm run build`): no TypeScript tooling at run time.

# Production dependencies only; better-sqlite3 compiles its native addon when no prebuilt
# binary matches.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# The compiler and its type packages live here only.
FROM deps AS build
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY common ./common
COPY domain ./domain
COPY gateway ./gateway
COPY subgraphs ./subgraphs
COPY scripts ./scripts
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json
# The console: static files only (Vite, from console/ and the domain rules it shares with the gateway).
COPY console ./console
COPY config/documents ./config/documents
RUN node node_modules/vite/bin/vite.js build --config console/vite.config.ts

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    APOLLO_TELEMETRY_DISABLED=1 \
    CHUANYU_CONFIG_DIR=/etc/chuanyu/config \
    CHUANYU_CERTS_DIR=/etc/chuanyu/certs \
    CHUANYU_DATA_DIR=/var/lib/chuanyu
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/console/dist ./console/dist
COPY package.json ./
COPY config ./config.default
RUN mkdir -p /var/lib/chuanyu /etc/chuanyu && chown -R node:node /var/lib/chuanyu
USER node
EXPOSE 4000
CMD ["node", "--enable-source-maps", "dist/gateway/main.js"]
