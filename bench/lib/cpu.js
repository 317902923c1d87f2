// CPU time a process has used, from /proc (Linux). Divided by the requests it served, this
// is a cost per request that other load on the machine disturbs far less than req/s.
import { readFile } from 'node:fs/promises';

const TICKS_PER_SECOND = 100; // USER_HZ; 100 on every mainstream Linux build

/**
 * User + system CPU seconds used so far by process `pid`, or undefined where /proc is missing.
 *
 * @param {number} pid
 * @returns {Promise<number | undefined>}
 */
export async function cpuSeconds(pid) {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
