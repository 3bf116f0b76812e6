"""Using trained checkpoints: scoring datasets, crops and depth images (``predict``) and one
checkpoint's report (``analyze``). The training stages never import this package, so editing it
re-runs no stage. Nothing is re-exported here.
"""
