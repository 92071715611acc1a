export * from './env';
export * from './load-config';
export * from './common';
