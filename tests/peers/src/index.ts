// Stand-ins for what cannot run on the build machines: ClearML's API server, GPU serving
// machines, Keycloak and chat services. Test and demo code only; never product code.
export * from './oidc';
export * from './serving';
export * from './chat';
export * from './clearml';
