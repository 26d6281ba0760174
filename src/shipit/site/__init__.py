"""The offline handoff site: validation evidence, release notes, sign-offs, go/no-go, archive, publish."""
