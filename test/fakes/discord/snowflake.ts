/** Discord snowflakes: (ms since 2015-01-01) << 22 | increment — 19 digits today (Discord API docs, "Snowflakes"). */
const DISCORD_EPOCH = 1420070400000n;
let increment = 0n;

export function snowflake(at = Date.now()): string {
  increment = (increment + 1n) & 0xfffn;
  return (((BigInt(at) - DISCORD_EPOCH) << 22n) | (1n << 17n) | increment).toString();
}
