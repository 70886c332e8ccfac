# domainops: the bot, its playground and its operations endpoints in one process.
FROM node:24-slim
ENV NODE_ENV=production
# V8's young generation (semi-spaces) held small: see "Performance" in README.md; the same flag as
# `npm start` (package.json). glibc's malloc kept to two arenas (instead of up to eight per core,
# one taken by each busy thread): less memory under load, no more CPU (README.md, "Performance").
# The compile cache (src/main.ts enables it) is filled below.
ENV NODE_OPTIONS=--max-semi-space-size=2
ENV MALLOC_ARENA_MAX=2
ENV NODE_COMPILE_CACHE=/app/.cache/node-compile
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY src ./src
COPY adapters ./adapters
COPY manifest ./manifest
# Every module stripped and compiled once, here, instead of at every start of a container: the
# cache is keyed by path and content, which do not change after this step.
RUN find src adapters -name '*.ts' ! -path src/main.ts | sed 's|^|./|' > /tmp/modules \
  && node --input-type=module -e "import { readFileSync } from 'node:fs'; for (const m of readFileSync('/tmp/modules', 'utf8').trim().split('\n')) await import(m);" \
  && rm /tmp/modules
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
# The config must set `server: { host: 0.0.0.0 }` to be reachable from outside the container.
ENV DOMAINOPS_CONFIG=/config/domainops.yaml
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "src/main.ts"]
CMD ["start"]
