import { TRITON_DATATYPES, type Tensor, type TritonDatatype, type TritonModelDefinition } from './models';

/**
 * Request parsing and validation as Triton's HTTP frontend (src/http_server.cc) and core
 * (InferenceRequest::Normalize) do it, with their messages. Status codes follow
 * HttpCodeFromError: INVALID_ARG → 400, NOT_FOUND → 404, UNAVAILABLE → 503, INTERNAL → 500.
 * Quirk kept on purpose: TritonJson reports malformed JSON and JSON type errors as INTERNAL,
 * so current Triton answers them with 500, not 400 (triton-inference-server/server#8762).
 */
export class TritonError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const INVALID_ARG = 400;
const INTERNAL = 500;

export interface InferRequest {
  id: string | undefined;
  inputs: Tensor[];
  requestedOutputs: string[] | undefined;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function has(o: unknown, k: string): boolean {
  return isObject(o) && Object.prototype.hasOwnProperty.call(o, k);
}

function memberAsArray(o: unknown, k: string, what: string): Json[] {
  if (!has(o, k)) throw new TritonError(INTERNAL, `Unable to parse '${what}': attempt to access non-existing object member '${k}'`);
  const v = (o as Record<string, Json>)[k];
  if (!Array.isArray(v)) throw new TritonError(INTERNAL, `Unable to parse '${what}': attempt to access JSON non-array as array`);
  return v;
}

function memberAsString(o: unknown, k: string): string {
  if (!has(o, k)) throw new TritonError(INTERNAL, `Unable to parse '${k}': attempt to access non-existing object member '${k}'`);
  const v = (o as Record<string, Json>)[k];
  if (typeof v !== 'string') throw new TritonError(INTERNAL, `Unable to parse '${k}': attempt to access JSON non-string as string`);
  return v;
}

function parseJson(body: Buffer): Json {
  const text = body.toString('utf8');
  if (text.trim() === '') {
    throw new TritonError(INTERNAL, `failed to parse the request JSON buffer: The document is empty. at ${body.length}`);
  }
  try {
    return JSON.parse(text) as Json;
  } catch (e) {
    // V8 gives no position when the input ends early; rapidjson reports the end offset then
    const m = /position (\d+)/.exec((e as Error).message);
    throw new TritonError(INTERNAL, `failed to parse the request JSON buffer: Invalid value. at ${m ? m[1] : body.length}`);
  }
}

function validateInputContentType(io: Json): void {
  const hasData = has(io, 'data');
  const params = isObject(io) ? io['parameters'] : undefined;
  const hasBinary = has(params, 'binary_data_size');
  const hasShm = has(params, 'shared_memory_region');
  const count = Number(hasData) + Number(hasBinary) + Number(hasShm);
  if (count === 1) return;
  let msg =
    "Input must set only one of the following fields: 'data', 'binary_data_size' in 'parameters', " +
    "'shared_memory_region' in 'parameters'. But";
  if (count === 0) msg += ' no field is set';
  else msg += ` set${hasData ? " 'data'" : ''}${hasBinary ? " 'binary_data_size'" : ''}${hasShm ? " 'shared_memory_region'" : ''}`;
  throw new TritonError(INVALID_ARG, msg);
}

function elementCount(shape: number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function readLeaf(dtype: TritonDatatype, v: Json): unknown {
  switch (dtype) {
    case 'BOOL':
      if (typeof v !== 'boolean') throw new Error('attempt to access JSON non-boolean as boolean');
      return v;
    case 'UINT8':
    case 'UINT16':
    case 'UINT32':
    case 'UINT64': {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
        throw new Error('attempt to access JSON non-unsigned-integer as unsigned-integer');
      }
      // C narrowing cast, as http_server.cc does without a bounds check
      if (dtype === 'UINT8') return v & 0xff;
      if (dtype === 'UINT16') return v & 0xffff;
      if (dtype === 'UINT32') return v >>> 0;
      return v;
    }
    case 'INT8':
    case 'INT16':
    case 'INT32':
    case 'INT64': {
      if (typeof v !== 'number' || !Number.isInteger(v)) {
        throw new Error('attempt to access JSON non-signed-integer as signed-integer');
      }
      if (dtype === 'INT8') return (v << 24) >> 24;
      if (dtype === 'INT16') return (v << 16) >> 16;
      if (dtype === 'INT32') return v | 0;
      return v;
    }
    case 'FP32':
      if (typeof v !== 'number') throw new Error('attempt to access JSON non-number as double');
      return Math.fround(v);
    case 'FP64':
      if (typeof v !== 'number') throw new Error('attempt to access JSON non-number as double');
      return v;
    default:
      return v;
  }
}

/** ReadDataFromJson: flattens nested or flat row-major data and checks its size against the shape. */
function readData(name: string, dtype: TritonDatatype | undefined, data: Json[], expected: number): unknown[] {
  if (dtype === 'FP16' || dtype === 'BF16') {
    throw new TritonError(
      INVALID_ARG,
      `receiving ${dtype} data via JSON is not supported. Please use the binary data format for input ${name}`,
    );
  }
  if (dtype === undefined) throw new TritonError(INVALID_ARG, `invalid datatype for input ${name}`);
  const out: unknown[] = [];
  if (dtype === 'BYTES') {
    // the frontend sizes BYTES by their serialized length, so it never compares the count to the shape
    const walk = (v: Json): void => {
      if (Array.isArray(v)) return v.forEach(walk);
      if (typeof v !== 'string') {
        throw new TritonError(INTERNAL, 'Unable to parse JSON bytes array: attempt to access JSON non-string as string');
      }
      out.push(v);
    };
    data.forEach(walk);
    return out;
  }
  const walk = (v: Json): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (out.length >= expected) throw new Error("Shape does not match true shape of 'data' field");
    out.push(readLeaf(dtype, v));
  };
  try {
    data.forEach(walk);
  } catch (e) {
    throw new TritonError(INTERNAL, `Unable to parse 'data': ${(e as Error).message}`);
  }
  if (out.length !== expected) {
    throw new TritonError(INTERNAL, "Unable to parse 'data': Shape does not match true shape of 'data' field");
  }
  return out;
}

/** HTTPAPIServer's JSON → inference request step, before the core sees the model config. */
export function parseInferRequest(body: Buffer): InferRequest {
  const json = parseJson(body);
  let id: string | undefined;
  if (has(json, 'id')) {
    const v = (json as Record<string, Json>)['id'];
    if (typeof v !== 'string') throw new TritonError(INTERNAL, "Unable to parse 'id': attempt to access JSON non-string as string");
    id = v;
  }
  const logPrefix = `[request id: ${id ? id : '<id_unknown>'}] `;
  const inputsJson = memberAsArray(json, 'inputs', 'inputs');
  const inputs: Tensor[] = [];
  const seen = new Set<string>();
  for (const io of inputsJson) {
    validateInputContentType(io);
    const name = memberAsString(io, 'name');
    const datatype = memberAsString(io, 'datatype');
    const shapeJson = memberAsArray(io, 'shape', 'shape');
    const shape: number[] = [];
    for (const d of shapeJson) {
      if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
        throw new TritonError(INTERNAL, "Unable to parse 'shape': attempt to access JSON non-unsigned-integer as unsigned-integer");
      }
      shape.push(d);
    }
    if (seen.has(name)) throw new TritonError(INVALID_ARG, `${logPrefix}input '${name}' already exists in request`);
    seen.add(name);
    const params = (io as Record<string, Json>)['parameters'];
    if (has(params, 'binary_data_size')) {
      throw new TritonError(
        INVALID_ARG,
        "must specify valid 'Infer-Header-Content-Length' in request header and 'binary_data_size' when passing inputs in binary data format",
      );
    }
    if (has(params, 'shared_memory_region')) {
      const region = String((params as Record<string, Json>)['shared_memory_region']);
      throw new TritonError(404, `Unable to find shared memory region: '${region}'`);
    }
    const dtype = TRITON_DATATYPES.has(datatype) ? (datatype as TritonDatatype) : undefined;
    const count = elementCount(shape);
    let data: unknown[] = [];
    if (count !== 0) data = readData(name, dtype, memberAsArray(io, 'data', 'data'), count);
    inputs.push({ name, datatype: (dtype ?? datatype) as TritonDatatype, shape, data });
  }
  let requestedOutputs: string[] | undefined;
  if (has(json, 'outputs')) {
    requestedOutputs = [];
    for (const o of memberAsArray(json, 'outputs', 'outputs')) {
      const oParams = isObject(o) ? o['parameters'] : undefined;
      if (has(oParams, 'shared_memory_region') && has(oParams, 'classification')) {
        throw new TritonError(INVALID_ARG, "Output can't set both 'shared_memory_region' and 'classification'");
      }
      requestedOutputs.push(memberAsString(o, 'name'));
    }
  }
  return { id, inputs, requestedOutputs };
}

const dims = (d: number[]): string => `[${d.join(',')}]`;

/** InferenceRequest::Normalize: input count, names, datatypes and shapes against the model config. */
export function normalizeInferRequest(model: string, config: TritonModelDefinition, req: InferRequest): Map<string, Tensor> {
  const logPrefix = `[request id: ${req.id ? req.id : '<id_unknown>'}] `;
  for (const name of req.requestedOutputs ?? []) {
    if (!config.outputs.some((o) => o.name === name)) {
      throw new TritonError(INVALID_ARG, `unexpected inference output '${name}' for model '${model}'`);
    }
  }
  if (req.inputs.length !== config.inputs.length) {
    const got = req.inputs.map((i) => `'${i.name}'`).join(',');
    const missing = config.inputs.filter((c) => !req.inputs.some((i) => i.name === c.name)).map((c) => `'${c.name}'`);
    // core builds both lists by appending "'x'," and dropping the last character, so an empty
    // "missing" list loses its opening bracket: "missing required input(s) ]"
    const missingStr = missing.length ? `[${missing.join(',')}]` : ']';
    throw new TritonError(
      INVALID_ARG,
      `${logPrefix}expected ${config.inputs.length} inputs but got ${req.inputs.length} inputs for model '${model}'. ` +
        `Got input(s) [${got}], but missing required input(s) ${missingStr}. Please provide all required input(s).`,
    );
  }
  const maxBatch = config.maxBatchSize ?? 0;
  let batch = 0;
  if (maxBatch > 0) {
    for (const input of req.inputs) {
      if (input.shape.length === 0) {
        throw new TritonError(
          INVALID_ARG,
          `${logPrefix}input '${input.name}' has no shape but model requires batch dimension for '${model}'`,
        );
      }
      if (batch === 0) batch = input.shape[0]!;
      else if (input.shape[0] !== batch) {
        throw new TritonError(INVALID_ARG, `${logPrefix}input '${input.name}' batch size does not match other inputs for '${model}'`);
      }
    }
    if (batch > maxBatch) {
      throw new TritonError(INVALID_ARG, `${logPrefix}inference request batch-size must be <= ${maxBatch} for '${model}'`);
    }
  }
  const out = new Map<string, Tensor>();
  for (const input of req.inputs) {
    const spec = config.inputs.find((c) => c.name === input.name);
    if (!spec) throw new TritonError(INVALID_ARG, `unexpected inference input '${input.name}' for model '${model}'`);
    if (input.datatype !== spec.datatype) {
      throw new TritonError(
        INVALID_ARG,
        `${logPrefix}inference input '${input.name}' data-type is '${input.datatype}', but model '${model}' expects '${spec.datatype}'`,
      );
    }
    const shape = maxBatch > 0 ? input.shape.slice(1) : input.shape;
    const matches = shape.length === spec.dims.length && spec.dims.every((d, i) => d === -1 || d === shape[i]);
    if (!matches) {
      const full = maxBatch > 0 ? [-1, ...spec.dims] : spec.dims;
      const note =
        maxBatch > 0
          ? 'NOTE: Setting a non-zero max_batch_size in the model config requires a batch dimension to be prepended to each ' +
            'input shape. If you want to specify the full shape including the batch dim in your input dims config, try ' +
            'setting max_batch_size to zero. See the model configuration docs for more info on max_batch_size.'
          : '';
      throw new TritonError(
        INVALID_ARG,
        `${logPrefix}unexpected shape for input '${input.name}' for model '${model}'. Expected ${dims(full)}, got ${dims(input.shape)}. ${note}`,
      );
    }
    out.set(input.name, input);
  }
  return out;
}

export function modelMetadata(name: string, config: TritonModelDefinition): unknown {
  const batch = (config.maxBatchSize ?? 0) > 0;
  const io = (t: { name: string; datatype: string; dims: number[] }) => ({
    name: t.name,
    datatype: t.datatype,
    shape: batch ? [-1, ...t.dims] : t.dims,
  });
  return {
    name,
    versions: config.versions ?? ['1'],
    platform: config.platform,
    inputs: config.inputs.map(io),
    outputs: config.outputs.map(io),
  };
}

const CONFIG_TYPE: Record<TritonDatatype, string> = {
  BOOL: 'TYPE_BOOL',
  UINT8: 'TYPE_UINT8',
  UINT16: 'TYPE_UINT16',
  UINT32: 'TYPE_UINT32',
  UINT64: 'TYPE_UINT64',
  INT8: 'TYPE_INT8',
  INT16: 'TYPE_INT16',
  INT32: 'TYPE_INT32',
  INT64: 'TYPE_INT64',
  FP16: 'TYPE_FP16',
  BF16: 'TYPE_BF16',
  FP32: 'TYPE_FP32',
  FP64: 'TYPE_FP64',
  BYTES: 'TYPE_STRING',
};

export function modelConfig(name: string, config: TritonModelDefinition): unknown {
  const io = (t: { name: string; datatype: TritonDatatype; dims: number[] }) => ({
    name: t.name,
    data_type: CONFIG_TYPE[t.datatype],
    dims: t.dims,
  });
  return {
    name,
    platform: config.platform === 'python' ? '' : config.platform,
    backend: config.platform === 'python' ? 'python' : config.platform === 'pytorch_libtorch' ? 'pytorch' : '',
    max_batch_size: config.maxBatchSize ?? 0,
    input: config.inputs.map(io),
    output: config.outputs.map(io),
  };
}

/** The version a request resolves to, or the core's error for an unknown model / version. */
export function resolveVersion(name: string, config: TritonModelDefinition | undefined, version: string | undefined): string {
  if (!config) throw new TritonError(404, `Request for unknown model: '${name}' is not found`);
  const versions = config.versions ?? ['1'];
  if (version === undefined || version === '') {
    return versions.reduce((a, b) => (Number(b) > Number(a) ? b : a));
  }
  const wanted = String(Number(version));
  if (!versions.includes(wanted)) throw new TritonError(404, `Request for unknown model: '${name}' version ${wanted} is not found`);
  return wanted;
}
