# claude-discord-bridge: Node 22 with tmux (sessions survive bot restarts inside the container).
# Build stage: native modules (better-sqlite3, node-pty) and the compiled bridge (dist/, `npm run build`,
# which `npm ci` runs as `prepare`); then only runtime dependencies are kept.
FROM node:22-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends g++ make python3 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

FROM node:22-bookworm-slim
# tmux runs the sessions; git is for Claude Code.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tmux git ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin

# The bot runs as `node`, never root: Claude Code refuses bypassPermissions as root outside a sandbox.
# The container starts as root only so the entrypoint can hand `node` the directories Docker creates
# for bind mounts (root-owned), then drops to `node`. `claude-bridge` goes through it too, so
# `docker compose exec bot claude-bridge login` and the health check run as `node` as well.
COPY docker/entrypoint.sh /usr/local/bin/bridge-entrypoint
RUN chmod 755 /usr/local/bin/bridge-entrypoint \
 && printf '#!/bin/sh\nexec bridge-entrypoint node /app/bin/claude-bridge.js "$@"\n' > /usr/local/bin/claude-bridge \
 && chmod 755 /usr/local/bin/claude-bridge \
 && mkdir -p /app/data /workspace /home/node/.claude && chown -R node:node /app/data /workspace /home/node/.claude
ENV CLAUDE_WORKDIR=/workspace \
    DATABASE_PATH=/app/data/sessions.db \
    RUN_DIR=/app/data/run
VOLUME ["/app/data", "/home/node/.claude", "/workspace"]

HEALTHCHECK --interval=5m --timeout=30s --start-period=30s --retries=3 CMD ["claude-bridge", "doctor"]
ENTRYPOINT ["bridge-entrypoint"]
CMD ["claude-bridge", "start"]
