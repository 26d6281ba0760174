// A local Sigstore stack for tests: Fulcio (CA + CT log) and Rekor v1 from @sigstore/mock, served over
// HTTP on 127.0.0.1. Writes a ClientTrustConfig (trusted root + signing config) for sigstore-python.
// usage: node sigstore-stack.js OUT_DIR   → prints "listening PORT" once ready; stop with SIGTERM.
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');
const crypto = require('crypto');
const { initializeCA, initializeCTLog, initializeTLog, fulcioHandler, rekorHandler } = require('@sigstore/mock');

const outDir = process.argv[2];
const der = (key) => key.export({ format: 'der', type: 'spki' });
const keyId = (key) => crypto.createHash('sha256').update(der(key)).digest('base64');
const keyPair = () => crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });

// Adapter: Rekor stores a dsse 0.0.1 proposal as hashes + signatures; the mock would log it verbatim.
function canonicalDsse(entry) {
  if (entry.kind !== 'dsse' || !entry.spec || !entry.spec.proposedContent) return entry;
  const { envelope, verifiers } = entry.spec.proposedContent;
  const env = JSON.parse(envelope);
  const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex');
  return {
    apiVersion: entry.apiVersion,
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: sha256(envelope) },
      payloadHash: { algorithm: 'sha256', value: sha256(Buffer.from(env.payload, 'base64')) },
      signatures: env.signatures.map((s) => ({ signature: s.sig, verifier: verifiers[0] })),
    },
  };
}

async function main() {
  const server = http.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  const [caKeys, ctKeys, tlogKeys] = [keyPair(), keyPair(), keyPair()];
  const start = new Date(Date.now() - 3600 * 1000);
  const ctlog = await initializeCTLog(ctKeys);
  const ca = await initializeCA(caKeys, ctlog);
  const tlog = await initializeTLog(base, tlogKeys);
  const fulcio = fulcioHandler(ca);
  const rekor = rekorHandler(tlog);

  server.on('request', (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      let body = Buffer.concat(chunks).toString();
      let handler = null;
      if (req.method === 'POST' && req.url === fulcio.path) {
        handler = fulcio;
        // Adapter: sigstore-python sends the token as a Bearer header and the CSR as base64 of its PEM.
        const json = JSON.parse(body);
        const auth = req.headers.authorization || '';
        json.credentials = { oidcIdentityToken: auth.replace(/^Bearer /, '') };
        if (json.certificateSigningRequest && !json.certificateSigningRequest.startsWith('-----')) {
          json.certificateSigningRequest = Buffer.from(json.certificateSigningRequest, 'base64').toString();
        }
        body = JSON.stringify(json);
      } else if (req.method === 'POST' && req.url === rekor.path) {
        handler = rekor;
        body = JSON.stringify(canonicalDsse(JSON.parse(body)));
      }
      if (!handler) {
        res.writeHead(404);
        res.end('not found');
        return;
      }
      const result = await handler.fn(body);
      res.writeHead(result.statusCode, { 'Content-Type': result.contentType || 'text/plain' });
      res.end(result.response);
    });
  });

  const validFor = { start: start.toISOString() };
  const pub = (key) => ({ rawBytes: der(key).toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor });
  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [{ baseUrl: base, hashAlgorithm: 'SHA2_256', publicKey: pub(tlogKeys.publicKey),
              logId: { keyId: keyId(tlogKeys.publicKey) } }],
    certificateAuthorities: [{ subject: { organization: 'local', commonName: 'local' }, uri: base,
                               certChain: { certificates: [{ rawBytes: Buffer.from(ca.rootCertificate).toString('base64') }] },
                               validFor }],
    ctlogs: [{ baseUrl: base, hashAlgorithm: 'SHA2_256', publicKey: pub(ctKeys.publicKey),
               logId: { keyId: keyId(ctKeys.publicKey) } }],
    timestampAuthorities: [],
  };
  const service = { url: base, majorApiVersion: 1, validFor, operator: 'local' };
  const config = {
    mediaType: 'application/vnd.dev.sigstore.clienttrustconfig.v0.1+json',
    trustedRoot,
    signingConfig: {
      mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.2+json',
      caUrls: [service], oidcUrls: [], rekorTlogUrls: [service], tsaUrls: [],
      rekorTlogConfig: { selector: 'ANY' }, tsaConfig: { selector: 'ANY' },
    },
  };
  fs.writeFileSync(path.join(outDir, 'trust-config.json'), JSON.stringify(config, null, 2));
  fs.writeFileSync(path.join(outDir, 'trusted-root.json'), JSON.stringify(trustedRoot, null, 2));
  console.log(`listening ${server.address().port}`);
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

main().catch((e) => { console.error(e); process.exit(1); });
