/** Numbered migrations, applied in order inside one transaction each; `PRAGMA user_version` holds the last. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'sessions',
    sql: `
      CREATE TABLE sessions (
        id                TEXT PRIMARY KEY,
        owner_id          TEXT NOT NULL,
        guild_id          TEXT,
        channel_id        TEXT NOT NULL,
        cwd               TEXT NOT NULL,
        claude_session_id TEXT NOT NULL UNIQUE,
        parent_session_id TEXT REFERENCES sessions(id) ON DELETE SET NULL,
        model             TEXT,
        state             TEXT NOT NULL CHECK (state IN ('starting','idle','running','suspended','stopped','failed')),
        backend           TEXT CHECK (backend IN ('tmux','pty')),
        output_offset     INTEGER NOT NULL DEFAULT 0,
        created_at        INTEGER NOT NULL,
        updated_at        INTEGER NOT NULL,
        last_activity_at  INTEGER NOT NULL,
        message_count     INTEGER NOT NULL DEFAULT 0,
        turn_count        INTEGER NOT NULL DEFAULT 0,
        input_tokens      INTEGER NOT NULL DEFAULT 0,
        output_tokens     INTEGER NOT NULL DEFAULT 0,
        cost_usd          REAL NOT NULL DEFAULT 0
      );
      CREATE INDEX sessions_owner_channel ON sessions (owner_id, channel_id, last_activity_at DESC);
    `,
  },
  {
    version: 2,
    name: 'turns',
    // A turn is stored before its prompt reaches the process and deleted once its answer was
    // delivered, so a restart finds every prompt whose answer is still owed.
    sql: `
      CREATE TABLE turns (
        id          TEXT PRIMARY KEY,
        session_id  TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        seq         INTEGER NOT NULL,
        prompt      TEXT NOT NULL,
        reply_ref   TEXT,
        state       TEXT NOT NULL CHECK (state IN ('queued','running')),
        created_at  INTEGER NOT NULL
      );
      CREATE INDEX turns_session ON turns (session_id, seq);
    `,
  },
  {
    version: 3,
    name: 'forks',
    // A session whose conversation is still to be forked from another Claude session (branch,
    // regenerate): its first process runs `--resume <fork_from> --fork-session [--resume-session-at <fork_at>]`.
    sql: `
      ALTER TABLE sessions ADD COLUMN fork_from TEXT;
      ALTER TABLE sessions ADD COLUMN fork_at TEXT;
    `,
  },
  {
    version: 4,
    name: 'permissions',
    // Decisions on Claude Code's tool permission requests: after a restart the output is read again
    // from the delivered offset, and a request already answered must not be asked again.
    // always_allow: tools the owner allowed for the rest of the session (JSON array of names).
    sql: `
      CREATE TABLE permission_decisions (
        session_id  TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        request_id  TEXT NOT NULL,
        tool        TEXT NOT NULL,
        decision    TEXT NOT NULL CHECK (decision IN ('allow','deny')),
        decided_by  TEXT,
        decided_at  INTEGER NOT NULL,
        PRIMARY KEY (session_id, request_id)
      );
      ALTER TABLE sessions ADD COLUMN always_allow TEXT NOT NULL DEFAULT '[]';
    `,
  },
  {
    version: 5,
    name: 'audit-and-projects',
    // audit_log: who did what, when, with what result (commands, button presses, messages,
    // permission decisions). channel_dirs: a channel's working directory, set by an admin.
    sql: `
      CREATE TABLE audit_log (
        id          INTEGER PRIMARY KEY,
        at          INTEGER NOT NULL,
        user_id     TEXT,
        kind        TEXT NOT NULL CHECK (kind IN ('command','button','menu','message','permission')),
        action      TEXT NOT NULL,
        session_id  TEXT,
        channel_id  TEXT,
        result      TEXT NOT NULL CHECK (result IN ('ok','refused','error')),
        detail      TEXT
      );
      CREATE INDEX audit_log_at ON audit_log (at);
      CREATE TABLE channel_dirs (
        channel_id  TEXT PRIMARY KEY,
        cwd         TEXT NOT NULL,
        set_by      TEXT NOT NULL,
        set_at      INTEGER NOT NULL
      );
    `,
  },
  {
    version: 6,
    name: 'durable-inbox',
    // A turn's row lives from acceptance to delivery. `answered`: its result is known and stored
    // (`result`, JSON) but not yet shown — after a restart it is shown, never sent again.
    // steer_uuid / steered_into: a message written into running turn `steered_into` with that uuid
    // (the CLI echoes it when it takes it); it stays owed until that turn is delivered.
    // intents: Discord side effects recorded before they happen (opening a thread for an ask),
    // finished or undone at start-up; payload is the transport's JSON. channel_cursors: the newest
    // message of each channel taken into the inbox (a snowflake), moved in the same transaction,
    // so start-up can take the messages that arrived while the bot was down or dying.
    sql: `
      CREATE TABLE turns_v6 (
        id           TEXT PRIMARY KEY,
        session_id   TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        seq          INTEGER NOT NULL,
        prompt       TEXT NOT NULL,
        reply_ref    TEXT,
        state        TEXT NOT NULL CHECK (state IN ('queued','running','answered')),
        created_at   INTEGER NOT NULL,
        steer_uuid   TEXT,
        steered_into TEXT,
        result       TEXT
      );
      INSERT INTO turns_v6 (id, session_id, seq, prompt, reply_ref, state, created_at)
        SELECT id, session_id, seq, prompt, reply_ref, state, created_at FROM turns;
      DROP TABLE turns;
      ALTER TABLE turns_v6 RENAME TO turns;
      CREATE INDEX turns_session ON turns (session_id, seq);
      CREATE TABLE intents (
        id          TEXT PRIMARY KEY,
        kind        TEXT NOT NULL,
        payload     TEXT NOT NULL,
        created_at  INTEGER NOT NULL
      );
      CREATE TABLE channel_cursors (
        channel_id       TEXT PRIMARY KEY,
        last_message_id  INTEGER NOT NULL
      );
    `,
  },
  {
    version: 7,
    name: 'human-in-the-loop',
    // permission_mode: the session's own Claude Code permission mode (`/claude mode`, or the mode the
    // CLI switched to, e.g. after a plan was approved); null = the bot's PERMISSION_MODE.
    // question_answers: answers already given to some questions of a pending AskUserQuestion
    // request (one row per question), so a restart asks only the questions still open.
    sql: `
      ALTER TABLE sessions ADD COLUMN permission_mode TEXT;
      CREATE TABLE question_answers (
        session_id  TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        request_id  TEXT NOT NULL,
        question    INTEGER NOT NULL,
        answer      TEXT NOT NULL,
        answered_by TEXT NOT NULL,
        PRIMARY KEY (session_id, request_id, question)
      );
    `,
  },
  {
    version: 8,
    name: 'turn-images',
    // Images sent with a message (JSON array of Messages API image blocks, base64), stored with its
    // turn row at acceptance: a message accepted before a crash still reaches Claude with them.
    sql: `ALTER TABLE turns ADD COLUMN images TEXT;`,
  },
  {
    version: 9,
    name: 'parked-turns',
    // A turn refused because the plan's usage limit is reached waits for the limit to reset:
    // parked_until (epoch ms) is when it runs again (state 'queued'), re-armed at start-up.
    // write_uuid: the uuid its prompt is sent with again (the first attempt's uuid, the turn's id,
    // is already in the transcript, so it cannot tell whether the second one was taken).
    sql: `
      ALTER TABLE turns ADD COLUMN parked_until INTEGER;
      ALTER TABLE turns ADD COLUMN write_uuid TEXT;
    `,
  },
  {
    version: 10,
    name: 'automation',
    // Work without a person at the keyboard (issue 14). schedules: a prompt run on a cron pattern
    // (croner) in a time zone; next_due_at moves in the same transaction that records a run (an
    // intent of kind `unattended-run`, finished when its prompt is accepted), so a crash neither
    // loses nor doubles a run. triggers: a prompt template started by a signed HTTP request; the
    // secret is kept because verifying an HMAC needs it. trigger_deliveries: delivery ids seen
    // (replays are refused). session_worktrees: a session working in `git worktree add` of a
    // repository. channel_settings: per-channel options (worktrees for new sessions). audit_log is
    // rebuilt without the CHECK on `kind`, so schedules and triggers can write their own rows.
    sql: `
      CREATE TABLE schedules (
        id           TEXT PRIMARY KEY,
        owner_id     TEXT NOT NULL,
        guild_id     TEXT,
        channel_id   TEXT NOT NULL,
        thread_mode  TEXT NOT NULL CHECK (thread_mode IN ('new','this')),
        spec         TEXT NOT NULL,
        cron         TEXT NOT NULL,
        tz           TEXT NOT NULL,
        prompt       TEXT NOT NULL,
        paused       INTEGER NOT NULL DEFAULT 0,
        next_due_at  INTEGER,
        last_run_at  INTEGER,
        created_at   INTEGER NOT NULL
      );
      CREATE TABLE triggers (
        name        TEXT PRIMARY KEY,
        owner_id    TEXT NOT NULL,
        guild_id    TEXT,
        channel_id  TEXT NOT NULL,
        prompt      TEXT NOT NULL,
        secret      TEXT NOT NULL,
        created_at  INTEGER NOT NULL
      );
      CREATE TABLE trigger_deliveries (
        trigger_name TEXT NOT NULL REFERENCES triggers(name) ON DELETE CASCADE,
        delivery_id  TEXT NOT NULL,
        at           INTEGER NOT NULL,
        PRIMARY KEY (trigger_name, delivery_id)
      );
      CREATE TABLE session_worktrees (
        session_id  TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
        repo        TEXT NOT NULL,
        path        TEXT NOT NULL,
        branch      TEXT NOT NULL,
        base        TEXT NOT NULL,
        created_at  INTEGER NOT NULL
      );
      CREATE TABLE channel_settings (
        channel_id  TEXT PRIMARY KEY,
        worktrees   INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE audit_log_v10 (
        id          INTEGER PRIMARY KEY,
        at          INTEGER NOT NULL,
        user_id     TEXT,
        kind        TEXT NOT NULL,
        action      TEXT NOT NULL,
        session_id  TEXT,
        channel_id  TEXT,
        result      TEXT NOT NULL CHECK (result IN ('ok','refused','error')),
        detail      TEXT
      );
      INSERT INTO audit_log_v10 (id, at, user_id, kind, action, session_id, channel_id, result, detail)
        SELECT id, at, user_id, kind, action, session_id, channel_id, result, detail FROM audit_log;
      DROP TABLE audit_log;
      ALTER TABLE audit_log_v10 RENAME TO audit_log;
      CREATE INDEX audit_log_at ON audit_log (at);
    `,
  },
  {
    version: 11,
    name: 'remote commands (issue 12: runners over NATS)',
    // A runner's record of the commands it accepted from its JetStream work queue, by command id: a
    // redelivered command (the runner died before its ack reached the server) is recognized, not taken twice.
    sql: `
      CREATE TABLE remote_commands (
        id          TEXT PRIMARY KEY,
        session_id  TEXT,
        turn_id     TEXT,
        at          INTEGER NOT NULL
      );
      CREATE INDEX remote_commands_at ON remote_commands (at);
    `,
  },
];
