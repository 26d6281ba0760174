"""Container images: build them (native OCI builder, buildah, a Docker API engine), write them as
deterministic OCI archives, publish them, and check them in ``shipit verify``."""
