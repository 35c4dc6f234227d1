"""proxylab's stack tooling: reads compose.yaml and runs it, with Docker or as local processes."""
