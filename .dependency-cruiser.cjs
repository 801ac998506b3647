/**
 * The layering of docs/design.md, enforced: dependencies point inward. `sessions` may see `backends` and
 * `store` only as types (interfaces); only `main.ts` and `cli/` meet concrete classes.
 */
const layer = (name) => `^src/${name}/`;
const only = (from, allowed, comment) => ({
  name: `${from}-imports`,
  comment,
  severity: 'error',
  from: { path: layer(from) },
  to: { path: '^src/', pathNot: [layer(from), ...allowed.map(layer)] },
});

module.exports = {
  forbidden: [
    only('core', [], 'core imports nothing in src'),
    only('config', ['core'], 'config imports only core'),
    only('claude', ['core'], 'claude is the pure CLI contract: core only'),
    only('backends', ['core'], 'backends run processes: core only'),
    only('store', ['core'], 'store is SQLite: core only'),
    only('sessions', ['core', 'claude', 'backends', 'store'], 'sessions: core, claude, and backends/store as interfaces'),
    only('discord', ['core', 'sessions', 'claude', 'hub'], 'discord: core, the sessions API, the hub API and claude types; never the store or backends'),
    only('hub', ['core', 'sessions', 'claude', 'remote', 'store'], 'hub (the Discord side of several machines, without Discord): core, the runner protocol, sessions/store types'),
    {
      name: 'hub-uses-store-as-types',
      severity: 'error',
      from: { path: layer('hub') },
      to: { path: [layer('store'), layer('sessions')], dependencyTypesNot: ['type-only'] },
    },
    only('http', ['core', 'sessions'], 'http (the trigger listener): core and the sessions API'),
    only('mcp', ['core', 'sessions'], 'mcp: the bridge\'s MCP server script; core and the sessions\' file rules only'),
    only('remote', ['core', 'sessions', 'claude'], 'remote (runners over NATS): core, the sessions API and claude types; never the store, backends or discord'),
    {
      name: 'sessions-uses-backends-and-store-as-types',
      comment: 'sessions sees backends and store only through their interfaces (type-only imports)',
      severity: 'error',
      from: { path: layer('sessions') },
      to: { path: [layer('backends'), layer('store')], dependencyTypesNot: ['type-only'] },
    },
    only('discord', ['core', 'sessions', 'claude', 'hub'], 'discord: core, the sessions API, the hub API and claude types'),
    {
      name: 'no-sql-or-processes-outside-their-layers',
      comment: 'SQL lives in store; processes are spawned only by backends',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/store/', '^src/backends/', '^src/main\\.ts$', '^src/cli/'] },
      to: { path: ['better-sqlite3', 'node-pty', '^child_process$', '^node:child_process$'] },
    },
    {
      name: 'no-discord-js-outside-discord',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/discord/'] },
      to: { path: 'node_modules/discord\\.js' },
    },
    { name: 'no-circular', severity: 'error', from: { path: '^src/' }, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
