"""CI/CD pipeline validation: GitHub Actions and GitLab CI workflows against a release policy."""
