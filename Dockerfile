# syntax=docker/dockerfile:1
# One image for the gateway and the province subgraphs; the command picks the role:
#   gateway:   (default)
#   subgraph:  node --import tsx subgraphs/catalogue/main.ts --province chongqing
# Certificates, keys and config are mounted (Kubernetes secrets / config maps), never baked in.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles its native addon when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    APOLLO_TELEMETRY_DISABLED=1 \
    CHUANYU_CONFIG_DIR=/etc/chuanyu/config \
    CHUANYU_CERTS_DIR=/etc/chuanyu/certs \
    CHUANYU_DATA_DIR=/var/lib/chuanyu
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY common ./common
COPY domain ./domain
COPY gateway ./gateway
COPY subgraphs ./subgraphs
COPY config ./config.default
RUN mkdir -p /var/lib/chuanyu /etc/chuanyu && chown -R node:node /var/lib/chuanyu
USER node
EXPOSE 4000
CMD ["node", "--import", "tsx", "gateway/main.ts"]
