"""SBOMs: CycloneDX 1.6 documents catalogued from each image's own layers, plus the source project's
Python dependencies. See docs/sbom.md."""
