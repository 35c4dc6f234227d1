"""Gradio 6 mounted into FastAPI at /gradio, as Gradio's docs show (`gr.mount_gradio_app`).

What the doctor must find behind a proxy: its /gradio/config answers JSON whose "root" is an
absolute URL built from the Host or X-Forwarded-Host (outside the prefix without --root-path);
its /logout redirects to the site's root URL, built from X-Forwarded-Host without the prefix
even with --root-path (HAProxy sends no X-Forwarded-Host, so there it keeps it); and its
/gradio_api/dev/reload is an event stream that never ends, to be judged on its head.
"""

import gradio as gr
from fastapi import FastAPI


def greet(name: str) -> str:
    return f"Hello {name}"


with gr.Blocks() as demo:
    name = gr.Textbox(label="Name")
    greeting = gr.Textbox(label="Greeting")
    gr.Button("Greet").click(greet, name, greeting)

app = gr.mount_gradio_app(FastAPI(), demo, path="/gradio")
