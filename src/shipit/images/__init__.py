"""Container images: build (Docker API, buildah, native OCI builder), export as OCI layouts, publish."""
