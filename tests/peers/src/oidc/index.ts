export {
  CONSOLE_CLIENT_ID,
  OidcPeer,
  startOidcPeer,
  type AccessTokenClaims,
  type BadTokenKind,
  type MintClaims,
  type MintOptions,
  type OidcPeerOptions,
  type OidcPeerStats,
} from './server';
export { SNAP4CITY_ROLES, type NewClient, type NewUser, type OidcClient, type OidcUser } from './realm';
export type { SigningAlg } from './keys';
