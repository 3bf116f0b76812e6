"""On-disk formats that stages hand to each other: object index, guesses, trials, npz records, gripper block.

Readers and writers only: nothing here imports fcl, embree or MuJoCo, so any tool can read a stage's
files without the algorithm that made them. The algorithms import these formats, never the reverse.
Nothing is re-exported here.
"""
