"""Object sets: procedural, directory and archive sources, mesh loading and repair, shards."""
