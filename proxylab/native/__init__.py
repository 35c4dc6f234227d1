"""The native backend: compose.yaml's services as local processes, no Docker engine needed."""
