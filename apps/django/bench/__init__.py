"""The Django app of the database scenarios' tables (bench.models), installed by both
deployments' settings (common.py)."""
