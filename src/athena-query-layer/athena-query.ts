/**
 * One SQL statement the query layer saves in its workgroup: a named query (no parameters) or a
 * prepared statement (`?` parameters, run with `EXECUTE <name> USING ...`).
 */
export interface AthenaQuery {
  /** The named query's name, or the prepared statement's name. */
  readonly name: string;
  /** What the statement does and how to run it. */
  readonly description: string;
  /** The SQL, in Athena engine version 3's dialect (Trino). */
  readonly sql: string;
  /**
   * The prepared statement's parameters, in order, described.
   *
   * @default - none: a named query
   */
  readonly parameters?: string[];
}
