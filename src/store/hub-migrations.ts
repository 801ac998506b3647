/**
 * The schema of the hub's own store (`data/hub.db`, {@link SqliteHubStore}), as numbered migrations
 * applied in order by `openDatabase`. Released migrations are never edited: a change is a new one.
 */
import type { Migration } from './migrations.js';

export const HUB_MIGRATIONS: readonly Migration[] = [{
  version: 1,
  name: 'hub',
  sql: `
    CREATE TABLE hub_places (channel_id TEXT PRIMARY KEY, runner TEXT NOT NULL, dir TEXT, bound_by TEXT, at INTEGER NOT NULL);
    CREATE TABLE hub_sessions (session_id TEXT PRIMARY KEY, runner TEXT NOT NULL, owner_id TEXT NOT NULL, channel_id TEXT NOT NULL, last_at INTEGER NOT NULL);
    CREATE INDEX hub_sessions_place ON hub_sessions (owner_id, channel_id, last_at);
    CREATE TABLE hub_commands (
      id TEXT PRIMARY KEY, runner TEXT NOT NULL, type TEXT NOT NULL, owner_id TEXT, channel_id TEXT, reply_ref TEXT,
      at INTEGER NOT NULL, outcome TEXT, session_id TEXT, turn_id TEXT,
      body TEXT, published_at INTEGER
    );
    CREATE INDEX hub_commands_unpublished ON hub_commands (published_at, at);
    CREATE INDEX hub_commands_place ON hub_commands (channel_id, owner_id, runner);
    CREATE TABLE hub_turns (
      turn_id TEXT PRIMARY KEY, session_id TEXT NOT NULL, runner TEXT NOT NULL, owner_id TEXT NOT NULL, channel_id TEXT NOT NULL,
      reply_ref TEXT, follow_up INTEGER NOT NULL, created_at INTEGER NOT NULL, shown_at INTEGER
    );
    CREATE TABLE hub_prompts (
      session_id TEXT NOT NULL, key TEXT NOT NULL, tool TEXT NOT NULL, channel_id TEXT NOT NULL, message_id TEXT, settled_at INTEGER,
      PRIMARY KEY (session_id, key)
    );
    CREATE TABLE hub_cursors (channel_id TEXT PRIMARY KEY, message_id TEXT NOT NULL);
    CREATE TABLE hub_audit (
      id INTEGER PRIMARY KEY, at INTEGER NOT NULL, user_id TEXT, kind TEXT NOT NULL, action TEXT NOT NULL,
      session_id TEXT, channel_id TEXT, runner TEXT, result TEXT NOT NULL CHECK (result IN ('ok','refused','error')), detail TEXT
    );
  `,
}, {
  version: 2,
  name: 'hub asks',
  // Claude's questions and plans shown on the hub: what was asked (the `permission` event, JSON,
  // to render its messages again when they are settled) and one message per part (a question's
  // index; 0 for a plan), with when that part was answered from this hub.
  sql: `
    ALTER TABLE hub_prompts ADD COLUMN kind TEXT NOT NULL DEFAULT 'tool' CHECK (kind IN ('tool','question','plan'));
    ALTER TABLE hub_prompts ADD COLUMN ask TEXT;
    CREATE TABLE hub_prompt_parts (
      session_id TEXT NOT NULL, key TEXT NOT NULL, part INTEGER NOT NULL, message_id TEXT NOT NULL, answered_at INTEGER,
      PRIMARY KEY (session_id, key, part)
    );
  `,
}, {
  version: 3,
  name: 'posted reply refs',
  // A message is sent before Discord has answered the interaction's deferral: its reply ref names
  // the interaction; once the reply's message id is known it is kept here, for a restarted hub.
  sql: `ALTER TABLE hub_commands ADD COLUMN posted_ref TEXT;`,
}, {
  version: 4,
  name: 'channel lookups and pruning',
  // Each thread message looks up its channel's session; start-up reads only recently used threads'
  // cursors; a command is pruned some time after its outcome came (settled_at), not after it was sent.
  sql: `
    CREATE INDEX hub_sessions_channel ON hub_sessions (channel_id, last_at);
    ALTER TABLE hub_commands ADD COLUMN settled_at INTEGER;
  `,
}];
