/**
 * DomainKeys (RFC 4870, historic): signing and verifying the legacy `DomainKey-Signature` header.
 * See docs/domainkeys.md for what spfdk does and why it is legacy-only.
 */
export { createDomainKeysSigner, type DomainKeysSigner, type DomainKeysSignerOptions } from "./sign.js";
export {
  createDomainKeysVerifier,
  MIN_RSA_BITS,
  type DomainKeysOutcome,
  type DomainKeysVerifier,
  type DomainKeysVerifyOptions,
} from "./verify.js";
export {
  canonicalHeader,
  createDkBodyCanonicalizer,
  type DkBodyCanonicalizer,
  type DkMethod,
} from "./canonicalize.js";
export { selectSignedFields, sendingIdentity, firstAddress, type DkIdentity } from "./header-selection.js";
export { parseDkKeyRecord, granularityMatches, type DkKey, type DkKeyProblem } from "./key-record.js";
export {
  parseDkSignature,
  formatDkSignature,
  DK_SIGNATURE_FIELD,
  type DkSignatureTags,
} from "./signature-header.js";
export { parseTagList, withoutFws } from "./tag-list.js";
