// Athena accepts lowercase letters, digits and underscores in table and column names; anything
// else must be quoted in every query, and the OpenX JSON SerDe lowercases keys anyway.
// https://docs.aws.amazon.com/athena/latest/ug/tables-databases-columns-names.html
const NAME = /^[a-z0-9_]+$/;
const MAX_NAME_LENGTH = 255;

/**
 * Checks a table, column or database name against what Athena accepts. Returns the problem,
 * or undefined when the name is fine.
 */
export function nameProblem(what: string, name: string): string | undefined {
  if (name.length === 0 || name.length > MAX_NAME_LENGTH || !NAME.test(name)) {
    const fix = name.toLowerCase().replace(/[^a-z0-9_]+/g, '_').slice(0, MAX_NAME_LENGTH) || 'a_name';
    return `${what} must be 1 to ${MAX_NAME_LENGTH} lowercase letters, digits or underscores (what Athena accepts), got '${name}': use e.g. '${fix}'`;
  }
  return undefined;
}


/** Table names that would collide with the lake's shared roots for raw backups and errors. */
const RESERVED_TABLE_NAMES = ['raw', 'errors'];

/**
 * Problems with a table name: Athena's rules, and the names the lake reserves for the raw
 * backups and the error output of every table.
 */
export function tableNameProblems(tableName: string): string[] {
  const problems: string[] = [];
  const p = nameProblem('tableName', tableName);
  if (p) problems.push(p);
  if (RESERVED_TABLE_NAMES.includes(tableName)) {
    problems.push(`tableName must not be '${tableName}', got '${tableName}': the lake keeps raw backups under raw/ and error output under errors/; pick another name, e.g. '${tableName}_events'`);
  }
  return problems;
}
