"""Per-object work past one machine, on Ray: the executor (:mod:`.ray_executor`), how a task carries its
files when no file system is shared (:mod:`.staging`), and a cluster on loopback for tests and
benchmarks (:mod:`.loopback`). ``cluster.address`` in params switches a stage from local processes to it.
"""
