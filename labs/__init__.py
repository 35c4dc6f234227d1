"""proxylab's labs: numbered lessons a presenter steps through and CI runs as assertions."""
