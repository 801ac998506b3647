/** Time-zone checks for the configuration (config may import only core). */

/** Whether `tz` is an IANA time zone this Node.js knows (`Intl.DateTimeFormat` accepts it). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
