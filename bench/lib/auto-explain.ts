import { readFileSync } from 'node:fs';

/** The cluster's log (pg-cluster.ts starts it with `-l <dir>/server.log`). */
export const serverLog = (clusterDir: string) => `${clusterDir}/server.log`;

/** How much of the log is written so far: pass it to lastSearchPlan to read only what comes after. */
export const logLength = (clusterDir: string) => readFileSync(serverLog(clusterDir), 'utf8').length;

/** An index table in a plan (not search_path or search_params, which the session's statements name). */
const SEARCH_TABLE = /\bsearch_(string|token|reference|date|number|quantity|uri|composite)\b/;

/**
 * The auto_explain plans logged after `from` that touch a search table, in order, without their
 * query text (the statement the server runs is long; the plan names what matters).
 */
export function searchPlans(clusterDir: string, from: number): string[] {
  const entries = readFileSync(serverLog(clusterDir), 'utf8').slice(from).split(/(?=\d{4}-\d\d-\d\d [\d:.]+ \w+ \[\d+\] LOG: {2}duration)/);
  return entries.filter((e) => SEARCH_TABLE.test(e)).map((e) => e.replace(/\tQuery Text:[\s\S]*?(?=\n\t[A-Z])/, ''));
}

/** The last of searchPlans. */
export const lastSearchPlan = (clusterDir: string, from: number): string => searchPlans(clusterDir, from).at(-1) ?? '(no plan logged)';
