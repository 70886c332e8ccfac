# domainops: the bot, its playground and its operations endpoints in one process.
FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY src ./src
COPY adapters ./adapters
COPY manifest ./manifest
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
