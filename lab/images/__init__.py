"""The images the lab builds: specs and content hashes, locks, the base, builds, bundles."""
