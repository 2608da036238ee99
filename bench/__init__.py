"""The benchmark harness (bench/run) and the views and middleware it mounts with BENCHMARK=true."""
