// A preload that profiles a Node process's CPU from start to exit (V8's sampling profiler through
// node:inspector; Node 20 refuses --cpu-prof in NODE_OPTIONS) and writes
// <CPU_PROFILE_DIR, default <tmp>/cdb-cpu-profiles>/<pid>.cpuprofile, readable by Chrome DevTools.
//   BENCH_HUB_NODE_OPTIONS="--require $PWD/scripts/bench/cpu-profile.cjs" npm run bench:hub-many
const inspector = require('node:inspector');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const dir = process.env.CPU_PROFILE_DIR || path.join(os.tmpdir(), 'cdb-cpu-profiles');
const session = new inspector.Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 500 }); // µs
session.post('Profiler.start');
process.on('exit', () => {
  // An in-process inspector session answers synchronously, so this runs before the process ends.
  session.post('Profiler.stop', (err, r) => {
    if (err) return;
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${process.pid}.cpuprofile`), JSON.stringify(r.profile));
  });
});
