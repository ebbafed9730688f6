import { ValidationError } from '@eventcore/core'

/** A checked, quoted schema name: the only identifier EventCore puts into SQL text. */
export interface SchemaName {
  readonly name: string
  readonly quoted: string
}

const SAFE = /^[a-z_][a-z0-9_]{0,62}$/

/**
 * Checks a schema name. Only lower-case letters, digits and `_` are accepted, so the name can
 * never change the meaning of the SQL it is placed in.
 *
 * @example
 * schemaName('eventcore') // { name: 'eventcore', quoted: '"eventcore"' }
 */
export function schemaName(name: string): SchemaName {
  if (!SAFE.test(name)) {
    throw new ValidationError([
      {
        path: 'schema',
        message: `'${name}' is not a valid schema name: use 1–63 lower-case letters, digits or _, not starting with a digit`,
      },
    ])
  }
  return { name, quoted: `"${name}"` }
}
