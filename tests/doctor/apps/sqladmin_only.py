"""An app that serves only an admin: sqladmin 0.32 mounted at /admin, no docs, no schema, no routes.

The doctor once called it "works" behind every stripping proxy without --root-path, while the
admin's pages named their 13 stylesheets and scripts, and their navigation, at /admin/...,
outside the prefix.
"""

from fastapi import FastAPI
from sqladmin import Admin, ModelView
from sqlalchemy import Column, Integer, String, create_engine
from sqlalchemy.orm import declarative_base
from sqlalchemy.pool import StaticPool

Base = declarative_base()


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    name = Column(String)


# One in-memory database shared by every connection (StaticPool), filled at import.
engine = create_engine("sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool)
Base.metadata.create_all(engine)

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
admin = Admin(app, engine)


class UserAdmin(ModelView, model=User):
    column_list = [User.id, User.name]


admin.add_view(UserAdmin)
