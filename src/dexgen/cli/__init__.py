"""The command line: the ``dexgen`` command (:mod:`.main`, one module per command group) and the shared
shape of the stage scripts (:mod:`.stage`). Library packages hold no argparse; these modules turn argv
and the params tree into typed config and call the same library entry points the stages call.

Exit codes, for every command and stage script: 0 success, 1 a dexgen error (bad input, bad config,
a failed check; the message names the file and the problem), 2 a usage error (argparse).
Nothing is imported here, so a stage script that uses :mod:`.stage` does not import every command.
"""
