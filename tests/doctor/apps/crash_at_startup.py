"""An app that imports fine and fails in its lifespan startup, as one whose database is down."""

from contextlib import asynccontextmanager

from fastapi import FastAPI


@asynccontextmanager
async def lifespan(app: FastAPI):
    raise RuntimeError("cannot reach the database at db:5432")
    yield


app = FastAPI(lifespan=lifespan)
