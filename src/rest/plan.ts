import { type TSchema, Type as t } from '@sinclair/typebox';

/**
 * A property schema without its optional modifier and without `default`: the validator
 * would write defaults into PATCH bodies and the serializer into hidden fields.
 */
export function requiredSchema(schema: TSchema): TSchema {
  const { default: _default, ...rest } = t.Optional(schema, false) as TSchema;
  return rest as TSchema;
}
