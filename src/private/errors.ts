import { IConstruct } from 'constructs';

/**
 * The error every construct in this library throws for bad input at synth.
 *
 * Messages follow one house style: lowercase, no trailing period, and each names the prop,
 * the value received and the fix. Several violated rules are reported together.
 */
class DataLakeValidationError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'DataLakeValidationError';
  }
}

/** Prefix for every message: the construct type and its path in the tree. */
function where(scope: IConstruct): string {
  return `${scope.constructor.name} at '${scope.node.path}'`;
}

function render(problems: string[]): string {
  return problems.length === 1 ? problems[0] : problems.map((p) => `\n  - ${p}`).join('');
}

/** An error from a construct: the message starts with the construct type and its path. */
export function dataLakeError(scope: IConstruct, ...problems: string[]): Error {
  return new DataLakeValidationError(`${where(scope)}: ${render(problems)}`);
}

/** An error from a value object that has no scope (e.g. the shard calculator). */
export function unscopedDataLakeError(owner: string, ...problems: string[]): Error {
  return new DataLakeValidationError(`${owner}: ${render(problems)}`);
}

/** Throws once with every collected problem, or does nothing when there are none. */
export function throwIfAny(scope: IConstruct, problems: string[]): void {
  if (problems.length > 0) {
    throw dataLakeError(scope, ...problems);
  }
}

/**
 * Rejects props that configure a resource the construct would define, when the user brought
 * their own (`existingProp`): silently ignoring them would be a misconfiguration nobody sees.
 */
export function rejectWithExisting<T extends object>(
  scope: IConstruct,
  props: T,
  names: ReadonlyArray<keyof T & string>,
  existingProp: string,
  what: string,
): void {
  const configuring = names.filter((name) => props[name] !== undefined);
  if (configuring.length > 0) {
    throw dataLakeError(
      scope,
      `${configuring.join(', ')} cannot be set together with ${existingProp}, got both: they configure a new ${what}; configure your own ${what} where you define it, or remove ${existingProp} to let ${scope.constructor.name} define one`,
    );
  }
}
