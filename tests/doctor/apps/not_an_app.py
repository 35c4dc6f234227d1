"""A module whose `app` is data, not an ASGI application."""

app = {"name": "settings, not an app"}


class Interface:
    """Callable, like a Gradio Interface, but not as an ASGI app: a plain __call__."""

    def __call__(self, *inputs: object) -> object:
        return inputs


interface = Interface()


def create_app() -> object:
    """A factory: uvicorn serves what it returns with --factory."""
    return app
