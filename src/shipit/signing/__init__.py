"""Signing: cosign-compatible keys, Sigstore bundles, DSSE attestations (SLSA provenance, SBOMs),
and the offline verification auditors run (``shipit verify``)."""
