"""The images the lab builds: their specs and content hashes, locks, the base, builds, bundles, compose."""
