import type { TSchema } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FieldError } from '../core/index.js';

// ajv-formats is CommonJS; under ESM interop its function may arrive wrapped in `default`.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ??
  addFormatsModule) as unknown as AddFormats;

let shared: Ajv | undefined;

/** Compiles a task's input schema once: exact types (no coercion), defaults applied, all errors. */
export function compileInput(schema: TSchema): ValidateFunction {
  shared ??= addFormats(new Ajv({ allErrors: true, strict: false, useDefaults: true, coerceTypes: false }));
  return shared.compile(schema as object);
}

/** ajv errors as field errors under `/input`. */
export function fieldErrors(errors: readonly ErrorObject[] | null | undefined): FieldError[] {
  return (errors ?? []).map((e) => {
    const missing =
      e.keyword === 'required' ? `/${String((e.params as { missingProperty: string }).missingProperty)}` : '';
    const extra =
      e.keyword === 'additionalProperties'
        ? `/${String((e.params as { additionalProperty: string }).additionalProperty)}`
        : '';
    return {
      pointer: `/input${e.instancePath}${missing}${extra}`,
      detail: e.message ?? 'is invalid',
      code: e.keyword,
    };
  });
}
