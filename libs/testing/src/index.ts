export * from './dev-services';
export * from './wait';
export * from './log-capture';
export * from './bus';
export * from './fake-responder';
export * from './processes';
export * from './api';
export * from './nats-server';
