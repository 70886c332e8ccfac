# domainops: the bot, its playground and its operations endpoints in one process.
FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json .npmrc* ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY src ./src
COPY adapters ./adapters
COPY manifest ./manifest
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
ENV DOMAINOPS_CONFIG=/config/domainops.yaml
EXPOSE 3000
ENTRYPOINT ["node", "src/main.ts"]
CMD ["start"]
