# One image for both roles; the config path comes from SWITCHYARD_CONFIG so the HEALTHCHECK
# reads the same file as the process it checks:
#   docker run -v /etc/switchyard:/etc/switchyard -e SWITCHYARD_CONFIG=/etc/switchyard/agent.yaml IMAGE agent
#   docker run -v /etc/switchyard:/etc/switchyard -e SWITCHYARD_CONFIG=/etc/switchyard/controller.yaml -p 7700:7700 IMAGE controller

FROM node:20-bookworm-slim AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json ./
COPY scripts ./scripts
COPY proto ./proto
COPY shared ./shared
COPY agent ./agent
COPY controller ./controller
COPY cli ./cli
COPY test ./test
RUN npm ci && npm prune --omit=dev && rm -rf dist/test

FROM node:20-bookworm-slim AS runtime
# The agent shells out to these to gather facts and to dump/restore; the controller needs none.
RUN apt-get update && apt-get install -y --no-install-recommends mariadb-client ca-certificates tini \
  && rm -rf /var/lib/apt/lists/* \
  && useradd --system --uid 10001 --home-dir /var/lib/switchyard --create-home switchyard
WORKDIR /opt/switchyard
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/proto ./proto
RUN ln -s /opt/switchyard/dist/cli/main.js /usr/local/bin/switchyard && chmod +x dist/cli/main.js
USER switchyard
ENV SWITCHYARD_CONFIG=/etc/switchyard/switchyard.yaml
EXPOSE 7700 7701
# The controller answers /healthz; an agent answers the standard gRPC health check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["switchyard", "healthcheck"]
ENTRYPOINT ["/usr/bin/tini", "--", "switchyard"]
CMD ["--help"]
