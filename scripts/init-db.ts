/** Creates or migrates the SQLite store at DATABASE_PATH (same as `claude-bridge db migrate`). */
import { loadConfig } from '../src/config/load.js';
import { migrateCommand } from '../src/cli/ops.js';

process.stdout.write(`${migrateCommand(loadConfig())}\n`);
