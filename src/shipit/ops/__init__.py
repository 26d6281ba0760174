"""Operations handoff: SLO burn-rate alert rules with generated unit tests, Alertmanager routes, a Grafana
dashboard and runbooks, all from the ``service:`` section of ``shipit.yaml``."""
