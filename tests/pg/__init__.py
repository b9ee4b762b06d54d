"""The throwaway PostgreSQL server of the suite and the benchmarks: tests/pg/server.py."""
