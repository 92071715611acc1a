import { Injectable } from '@nestjs/common';
import Ajv, { ValidateFunction } from 'ajv';
import { LRUCache } from 'lru-cache';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { AppError } from '@cleargate/contracts';

/**
 * Validates run parameters against a template's JSON Schema (ajv). Draft-07 schemas (the
 * common `$schema` of hand-written ones) use ajv's draft-07 engine, everything else 2020-12.
 * Compiled validators are kept per template version.
 */
@Injectable()
export class ParamsValidator {
  private readonly draft07 = addFormats(new Ajv({ allErrors: true, strict: false }));
  private readonly draft2020 = addFormats(new Ajv2020({ allErrors: true, strict: false }));
  private readonly compiled = new LRUCache<string, ValidateFunction>({ max: 1000 });

  /** Throws a 400 when the schema itself cannot be compiled (checked when a template is saved). */
  check(schema: Record<string, unknown>): void {
    try {
      this.engine(schema).compile(schema);
    } catch (err) {
      throw new AppError('invalid_argument', `params_schema is not a valid JSON Schema: ${(err as Error).message}`, {
        issues: [{ path: 'body.params_schema', message: (err as Error).message }],
      });
    }
  }

  /** Throws a 400 listing the failing paths of `params`. */
  validate(key: string, schema: Record<string, unknown>, params: unknown): void {
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.engine(schema).compile(schema);
      this.compiled.set(key, validate);
    }
    if (validate(params)) return;
    const issues = (validate.errors ?? []).map((e) => ({
      path: `body.params${e.instancePath.replace(/\//g, '.')}${e.keyword === 'required' ? `.${(e.params as { missingProperty: string }).missingProperty}` : ''}`,
      message: e.message ?? e.keyword,
    }));
    throw new AppError('invalid_argument', 'params do not match the task’s parameter schema', { issues });
  }

  private engine(schema: Record<string, unknown>): Ajv | Ajv2020 {
    const declared = typeof schema.$schema === 'string' ? schema.$schema : '';
    return /draft-0[4-7]/.test(declared) ? this.draft07 : this.draft2020;
  }
}
