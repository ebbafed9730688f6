import { Ajv, type ErrorObject, type Options } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'

// Every bad field at once, unknown fields refused rather than dropped, defaults filled in.
const common: Options = { allErrors: true, removeAdditional: false, useDefaults: true, addUsedSchema: false }

const quoted = (values: readonly unknown[]) => values.map((value) => `'${String(value)}'`).join(', ')

/**
 * An ajv error as a client can act on it: a value outside an `enum` or `const` names what is
 * allowed (ajv's own "must be equal to one of the allowed values" does not).
 */
function explained(error: ErrorObject): ErrorObject {
  if (error.keyword === 'enum' && Array.isArray(error.params.allowedValues))
    return { ...error, message: `must be one of ${quoted(error.params.allowedValues)}` }
  if (error.keyword === 'const') return { ...error, message: `must be ${quoted([error.params.allowedValue])}` }
  return error
}

/**
 * Validators for the routes: a JSON body is taken as sent (`{"first_name": true}` is refused, not
 * turned into "true"); the query string, path and headers, which are always text, are converted
 * to the types their schemas declare (`?limit=10` is a number). A refused value of an enum is
 * answered with the allowed values (`?status=bogus` → "must be one of 'active', 'deactivated'").
 */
export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = addFormats.default(new Ajv({ ...common, coerceTypes: false }))
  const converting = addFormats.default(new Ajv({ ...common, coerceTypes: 'array' }))
  return ({ schema, httpPart }) => {
    const compiled = (httpPart === 'body' ? strict : converting).compile(schema as object)
    // Fastify reads `errors` off the function it is given after a failed call, as ajv's own.
    const validate = Object.assign(
      (data: unknown): boolean => {
        const valid = compiled(data)
        validate.errors = compiled.errors ? compiled.errors.map(explained) : null
        return valid
      },
      { errors: null as ErrorObject[] | null },
    )
    return validate
  }
}
