import { createHash } from 'node:crypto';
import { argmax, imageToMnistPixels, mnistLogProbabilities } from './mnist';

/** Tensor datatypes of the KServe v2 / Triton protocol. */
export type TritonDatatype =
  'BOOL' | 'UINT8' | 'UINT16' | 'UINT32' | 'UINT64' | 'INT8' | 'INT16' | 'INT32' | 'INT64' | 'FP16' | 'BF16' | 'FP32' | 'FP64' | 'BYTES';

export const TRITON_DATATYPES: ReadonlySet<string> = new Set<TritonDatatype>([
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'BF16',
  'FP32',
  'FP64',
  'BYTES',
]);

/** One input or output of a model configuration; `dims` exclude the batch dimension, -1 = variable. */
export interface TensorSpec {
  name: string;
  datatype: TritonDatatype;
  dims: number[];
}

/** A tensor as it travels in a v2 request or response; `data` is flat, row-major. */
export interface Tensor {
  name: string;
  datatype: TritonDatatype;
  shape: number[];
  data: unknown[];
}

/** The body of a clearml-serving request after FastAPI parsed it as `Union[bytes, Dict]`. */
export type ServeBody =
  { kind: 'json'; value: Record<string, unknown> } | { kind: 'bytes'; value: Buffer; contentType: string | undefined } | { kind: 'none' };

export interface ServeContext {
  /** normalised endpoint url, `<endpoint>` or `<endpoint>/<version>` */
  endpoint: string;
}

export type ServeHandler = (body: ServeBody, ctx: ServeContext) => unknown;

export interface TritonModelDefinition {
  platform: string;
  /** available versions, default `['1']`; the highest is served when a request names none */
  versions?: string[];
  /** 0 = no Triton batching: request shapes must match `dims` exactly */
  maxBatchSize?: number;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /** `inputs` are validated against the config before this is called; return every output */
  infer: (inputs: ReadonlyMap<string, Tensor>) => Tensor[] | Promise<Tensor[]>;
}

export interface ModelDefinition {
  /** handler for `POST /serve/<name>`; absent = the endpoint is not registered in clearml-serving */
  serve?: ServeHandler;
  /** Triton model of the same name; absent = not visible under `/v2/models` */
  triton?: TritonModelDefinition;
}

/**
 * An exception raised inside the preprocess / engine code of an endpoint. clearml-serving 1.3.5
 * turns any such exception into 422 `Error [<class 'T'>] processing request: <message>`.
 */
export class PythonError extends Error {
  constructor(
    readonly pythonType: string,
    message: string,
  ) {
    super(message);
    this.name = 'PythonError';
  }
}

export function fnv1a(data: Buffer | string): number {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let h = 0x811c9dc5;
  for (let i = 0; i < buf.length; i++) {
    h ^= buf[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function toFloatForSklearn(v: unknown): number {
  if (v === null || v === undefined) throw new PythonError('ValueError', 'Input X contains NaN.');
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const n = Number(v.trim());
    if (v.trim() === '' || Number.isNaN(n)) {
      throw new PythonError('ValueError', `could not convert string to float: '${v}'`);
    }
    return n;
  }
  throw new PythonError('TypeError', `float() argument must be a string or a real number, not '${pyTypeName(v)}'`);
}

function pyTypeName(v: unknown): string {
  if (Array.isArray(v)) return 'list';
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'object') return 'dict';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  return 'str';
}

/** The mock logistic regression of clearml-serving's sklearn example: a fixed linear boundary. */
function sklearnPredict(x0: number, x1: number): number {
  return 0.8 * x0 - 0.5 * x1 + 0.1 >= 0 ? 1 : 0;
}

/**
 * clearml-serving `examples/pytorch`: an MNIST CNN behind Triton; the preprocess accepts image
 * bytes or `{"url"}`, the postprocess answers `{"digit": argmax}`. Image bytes go through the
 * stand-in model of `mnist.ts`. A URL is not downloaded (the real preprocess fetches it with
 * StorageManager): the stand-in answers a digit derived from the URL's text.
 */
export const testModelPytorch: ModelDefinition = {
  serve(body) {
    if (body.kind === 'bytes') {
      let pixels: Uint8Array;
      try {
        pixels = imageToMnistPixels(body.value);
      } catch {
        // preprocess.py: `except Exception: raise RuntimeError("Image could not be decoded")`
        throw new PythonError('RuntimeError', 'Image could not be decoded');
      }
      return { digit: argmax(mnistLogProbabilities(pixels)) };
    }
    // preprocess.py leaves `image` unbound for any other body; Python 3.11 (the image's runtime) words it so
    if (body.kind !== 'json' || !('url' in body.value)) {
      throw new PythonError('UnboundLocalError', "cannot access local variable 'image' where it is not associated with a value");
    }
    return { digit: fnv1a(String(body.value['url'])) % 10 };
  },
  triton: {
    platform: 'pytorch_libtorch',
    maxBatchSize: 0,
    inputs: [{ name: 'INPUT__0', datatype: 'FP32', dims: [1, 28, 28] }],
    outputs: [{ name: 'OUTPUT__0', datatype: 'FP32', dims: [-1, 10] }],
    infer(inputs) {
      const pixels = inputs.get('INPUT__0')!.data as number[];
      return [{ name: 'OUTPUT__0', datatype: 'FP32', shape: [1, 10], data: mnistLogProbabilities(pixels) }];
    },
  },
};

/** clearml-serving `examples/sklearn`: `{"x0","x1"}` → `{"y": [label]}` from a mock logistic regression. */
export const testModelSklearn: ModelDefinition = {
  serve(body) {
    if (body.kind !== 'json') {
      const t = body.kind === 'bytes' ? 'bytes' : 'NoneType';
      throw new PythonError('AttributeError', `'${t}' object has no attribute 'get'`);
    }
    const x0 = toFloatForSklearn(body.value['x0']);
    const x1 = toFloatForSklearn(body.value['x1']);
    return { y: [sklearnPredict(x0, x1)] };
  },
  triton: {
    platform: 'python',
    maxBatchSize: 0,
    inputs: [{ name: 'INPUT__0', datatype: 'FP32', dims: [-1, 2] }],
    outputs: [{ name: 'OUTPUT__0', datatype: 'INT64', dims: [-1] }],
    infer(inputs) {
      const x = inputs.get('INPUT__0')!;
      const data = x.data as number[];
      const rows = x.shape[0]!;
      const y: number[] = [];
      for (let r = 0; r < rows; r++) y.push(sklearnPredict(data[r * 2]!, data[r * 2 + 1]!));
      return [{ name: 'OUTPUT__0', datatype: 'INT64', shape: [rows], data: y }];
    },
  },
};

/** Answers what it received: `{"echo": <dict>}` for JSON, `{"echo_bytes": <length>}` for a binary body. */
export const echoModel: ModelDefinition = {
  serve(body) {
    if (body.kind === 'bytes') return { echo_bytes: body.value.length };
    return { echo: body.kind === 'json' ? body.value : null };
  },
  triton: {
    platform: 'python',
    maxBatchSize: 0,
    inputs: [{ name: 'INPUT0', datatype: 'BYTES', dims: [-1] }],
    outputs: [{ name: 'OUTPUT0', datatype: 'BYTES', dims: [-1] }],
    infer(inputs) {
      const x = inputs.get('INPUT0')!;
      return [{ name: 'OUTPUT0', datatype: 'BYTES', shape: [...x.shape], data: [...x.data] }];
    },
  },
};

export function builtInModels(): Map<string, ModelDefinition> {
  return new Map([
    ['test_model_pytorch', testModelPytorch],
    ['test_model_sklearn', testModelSklearn],
    ['echo', echoModel],
  ]);
}

/** Deterministic `GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` id, so a restarted peer keeps its series. */
export function gpuUuid(name: string): string {
  const h = createHash('sha1').update(`gpu:${name}`).digest('hex');
  return `GPU-${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
