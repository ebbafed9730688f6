import { Ajv, type Options } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'

// Every bad field at once, unknown fields refused rather than dropped, defaults filled in.
const common: Options = { allErrors: true, removeAdditional: false, useDefaults: true, addUsedSchema: false }

/**
 * Validators for the routes: a JSON body is taken as sent (`{"first_name": true}` is refused, not
 * turned into "true"); the query string, path and headers, which are always text, are converted
 * to the types their schemas declare (`?limit=10` is a number).
 */
export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = addFormats.default(new Ajv({ ...common, coerceTypes: false }))
  const converting = addFormats.default(new Ajv({ ...common, coerceTypes: 'array' }))
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : converting).compile(schema as object)
}
