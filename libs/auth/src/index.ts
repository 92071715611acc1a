export * from './roles';
export * from './identity';
export * from './jwks';
export * from './token-verifier';
