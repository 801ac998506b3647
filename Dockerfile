# claude-discord-bridge: Node 20 with tmux (sessions survive bot restarts inside the container).
FROM node:20-bookworm-slim

# tmux runs the sessions; g++/make/python3 build better-sqlite3 and node-pty; git is for Claude Code.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tmux g++ make python3 git ca-certificates \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY tsconfig.json ./

# Not root: Claude Code refuses bypassPermissions as root outside a sandbox, and a bot should not be root.
RUN mkdir -p /app/data /workspace /home/node/.claude && chown -R node:node /app/data /workspace /home/node/.claude
USER node
ENV CLAUDE_WORKDIR=/workspace \
    DATABASE_PATH=/app/data/sessions.db \
    RUN_DIR=/app/data/run
VOLUME ["/app/data", "/home/node/.claude", "/workspace"]

HEALTHCHECK --interval=5m --timeout=30s --start-period=30s --retries=3 CMD ["node", "bin/claude-bridge.js", "doctor"]
CMD ["node", "bin/claude-bridge.js", "start"]
