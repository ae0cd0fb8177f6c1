import { Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** ARNs of the Glue catalog of the scope's account and region, and of a database and table in it. */
export interface GlueTableArns {
  readonly catalogArn: string;
  readonly databaseArn: string;
  readonly tableArn: string;
}

/**
 * The three ARNs a Glue table action is authorized against: Glue checks the catalog, the
 * database and the table.
 *
 * @see https://docs.aws.amazon.com/glue/latest/dg/glue-specifying-resource-arns.html
 */
export function glueTableArns(scope: IConstruct, databaseName: string, tableName: string): GlueTableArns {
  const stack = Stack.of(scope);
  return {
    catalogArn: stack.formatArn({ service: 'glue', resource: 'catalog' }),
    databaseArn: stack.formatArn({ service: 'glue', resource: 'database', resourceName: databaseName }),
    tableArn: stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${databaseName}/${tableName}` }),
  };
}
