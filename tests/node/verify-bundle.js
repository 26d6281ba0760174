// Verify a key-signed Sigstore bundle with the reference JavaScript verifier (@sigstore/verify).
// usage: node verify-bundle.js PUBLIC_KEY.pem BUNDLE.sigstore.json [ARTIFACT]
// (ARTIFACT for messageSignature bundles; DSSE bundles carry their payload.) Exit 0 = verified.
'use strict';
const fs = require('fs');
const crypto = require('crypto');
const { bundleFromJSON } = require('@sigstore/bundle');
const { Verifier, toSignedEntity, toTrustMaterial } = require('@sigstore/verify');

const [pubPath, bundlePath, artifactPath] = process.argv.slice(2);
const publicKey = crypto.createPublicKey(fs.readFileSync(pubPath));
const bundle = bundleFromJSON(JSON.parse(fs.readFileSync(bundlePath, 'utf8')));
const hint = bundle.verificationMaterial.content.publicKey.hint;
const emptyRoot = { tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] };
// Trust exactly the given key, under the hint the bundle names (a key is not time-bound).
const trust = toTrustMaterial(emptyRoot, (h) => {
  if (h !== hint) throw new Error(`unknown key hint ${h}`);
  return { publicKey, validFor: () => true };
});
const verifier = new Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
const artifact = artifactPath ? fs.readFileSync(artifactPath) : undefined;
try {
  verifier.verify(toSignedEntity(bundle, artifact));
  console.log('verified');
} catch (e) {
  console.error(`verification failed: ${e.code || ''} ${e.message}`);
  process.exit(1);
}
