"""Getting user data onto disk: resumable checksummed downloads and safe archive extraction."""
