export * from './address-policy';
export * from './env';
