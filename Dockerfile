# The pipes worker. Debian-based: the Temporal SDK's native core needs glibc.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY scripts ./scripts
COPY test ./test
RUN node node_modules/typescript/bin/tsc -p tsconfig.json && node node_modules/typescript/bin/tsc -p src/console/web/tsconfig.json && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The web console's page and styles (its scripts are in dist).
COPY --from=build /app/src/console/web ./src/console/web
USER node
CMD ["node", "dist/src/worker.js"]
