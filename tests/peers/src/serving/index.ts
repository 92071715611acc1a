export { ServingPeer, startServingPeer, type ServingPeerOptions, type ServingPeerStats, type ServingProtocol } from './server';
export type { Fault } from './faults';
export {
  PythonError,
  echoModel,
  testModelPytorch,
  testModelSklearn,
  type ModelDefinition,
  type ServeBody,
  type ServeContext,
  type ServeHandler,
  type Tensor,
  type TensorSpec,
  type TritonDatatype,
  type TritonModelDefinition,
} from './models';
export { OpenaiLlm, tokensOf, type LlmBehaviour, type LlmRequestRecord, type OpenaiFlavour } from './openai';
