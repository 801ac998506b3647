// Prints each failed test of a vitest JSON report (file, full name, the first lines of its message), so the
// tail of a CI log says what failed. Usage: node .ci/failures.cjs <label> <report.json>
'use strict';
const [label, file] = process.argv.slice(2);
const report = require(require('node:path').resolve(file));
const strip = (s) => s.replace(/\u001b\[[0-9;]*m/g, '');
for (const suite of report.testResults ?? []) {
  const where = require('node:path').relative(process.cwd(), suite.name);
  const failed = (suite.assertionResults ?? []).filter((t) => t.status === 'failed');
  if (failed.length === 0 && suite.status === 'failed') {
    // A file that failed outside any test (a hook, an import).
    console.log(`FAILED ${label} ${where}: ${strip(suite.message ?? '').split('\n').slice(0, 12).join('\n    ')}`);
  }
  for (const t of failed) {
    console.log(`FAILED ${label} ${where} > ${t.fullName}`);
    // The message itself and the first frame in the project's tests; node_modules frames say nothing.
    const lines = strip((t.failureMessages ?? []).join('\n')).split('\n');
    const text = lines.filter((l) => !/^\s+at /.test(l)).slice(0, 12);
    const frame = lines.find((l) => /^\s+at /.test(l) && l.includes('/test/'));
    for (const line of [...text, ...(frame ? [frame.trim()] : [])]) console.log(`    ${line}`);
  }
}
