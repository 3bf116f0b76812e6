"""The same grasps on two engines (or two protocols): which trials, how they agree, the stage that runs it.

``trial_set`` picks each object's compared trials (guesses, random poses, near misses), ``agreement``
scores two label vectors, ``run`` simulates and reports. Nothing is re-exported here.
"""
