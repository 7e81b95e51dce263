"""The OpenAPI edge cases tests/apps/openapi_app.c declares, in FastAPI 0.141: its document,
openapi_edges.json next to this file, is what test_openapi.py compares brisk's with. Regenerate:
    ../shared/reference/run.sh openapi_edges:app --app-dir tests/http/data --port 8010
    curl -s localhost:8010/openapi.json > tests/http/data/openapi_edges.json"""
from enum import Enum
from typing import Annotated, Literal
from uuid import UUID

from fastapi import Body, Cookie, Depends, FastAPI, Header, Path, Query
from pydantic import BaseModel, Field

app = FastAPI(title="Edges", version="2.0")


class Color(str, Enum):
    red = "red"
    blue = "blue"


class Sub(BaseModel):
    x: int


class Empty(BaseModel):
    pass


class Opt(BaseModel):
    a: str | None = None
    b: int = 0


class Hidden(BaseModel):
    secret: str


class Thing(BaseModel):
    aliased: int = Field(alias="someAlias")
    sub: Sub
    opt: Opt = Opt(a=None, b=1)
    color: Color = Color.red
    color_desc: Color = Field(default=Color.red, description="c", title="Colour")
    lit: Literal["a", "b"] = "a"
    lit1: Literal["only"]
    described: str = Field(description="desc here", title="My Title", examples=["ex"])
    dep: int = Field(default=0, deprecated=True)
    mult: float = Field(default=1.0, multiple_of=0.5, lt=10, le=9)
    imult: int = Field(default=1, multiple_of=2, gt=-3)
    nullable_req: str | None
    lst: list[int] = Field(default=[1, 2], min_length=1, max_length=3)
    tags: list[Annotated[str, Field(pattern="^x")]] = []
    nums: list[Annotated[float, Field(ge=1)]] = Field(default=[], max_length=4)
    fdef: float = 1
    fdef2: float = 2.0
    big: int = Field(default=0, le=10**18)
    get2fa_userName: int = 0
    class_: int = 0
    u: UUID
    opt_f: float | None = Field(default=None, ge=0.5)
    flag: bool | None = None
    colors: list[Color] | None = None
    subs: list[Sub] = []


def dep_c(shared: int):
    return shared


def dep_a(q: str, c: Annotated[int, Depends(dep_c)]):
    return q


def dep_b(c: Annotated[int, Depends(dep_c)], x_trace: Annotated[str | None, Header()] = None):
    return c


@app.get("/params/{color}", deprecated=True, tags=["p", "q"], description="Many parameters.",
         responses={404: {}, 418: {"description": "tea", "model": Sub},
                    200: {"description": "ok!"}},
         dependencies=[Depends(dep_a), Depends(dep_b)])
async def params(color: Color,
                 q: Annotated[str, Query(description="qd", title="QT", deprecated=True,
                                         examples=["a"])] = "x",
                 f: Annotated[float, Query(gt=0.5, le=10**18)] = 1.0,
                 c2: Color = Color.blue,
                 lq: Annotated[list[int], Query(min_length=1, max_length=5)] = [1],
                 m: Annotated[int, Query(multiple_of=3)] = 3,
                 lit: Literal["a", "b"] = "a",
                 lit1: Literal["only"] = "only",
                 d: Annotated[str | None, Query(description="dd")] = None,
                 class_: int = 0,
                 flag: bool | None = None,
                 h: Annotated[str, Header(alias="X-Custom")] = "",
                 user_agent: Annotated[str | None, Header()] = None,
                 sid: Annotated[str | None, Cookie()] = None):
    return {}


@app.post("/plain", status_code=201, response_model=Empty, deprecated=True)
async def plain(thing: Thing):
    return {}


@app.get("/camel", operation_id="listThingsV2", response_model=list[Sub],
         description="  Line one.\n\fFor the code's readers only.")
async def camel():
    return []


@app.put("/embed/{i}", status_code=205)
async def embed(i: int, a: Annotated[int, Body()], b: Annotated[Sub, Body()],
                c: Annotated[str | None, Body()] = None):
    return {}


@app.put("/embed2", operation_id="embedTwo")
async def embed2(a: Annotated[int, Body(embed=True, ge=1)]):
    return {}


@app.post("/optembed")
async def optembed(c: Annotated[str | None, Body(embed=True)] = None,
                   d: Annotated[int, Body(embed=True)] = 0):
    return {}


@app.get("/r201", status_code=201, responses={201: {"model": Sub}})
async def r201():
    return {}


@app.get("/listref/{k}", response_model=list[Sub], responses={200: {"model": Empty}})
async def listref(k: int):
    return []


@app.delete("/gone/{k}", status_code=204, responses={422: {"description": "Custom"}})
async def gone(k: int):
    return None


@app.get("/hidden", response_model=Hidden, include_in_schema=False)
async def hidden():
    return {"secret": "s"}


@app.options("/opt")
async def opt(s: Sub):
    return {}


@app.head("/h")
async def h():
    return {}


@app.get("/multi")
async def multi_get():
    return {}


@app.post("/multi", status_code=202)
async def multi_post():
    return {}


@app.get("/multi2", response_model=list[Sub])
async def multi2_get():
    return []


@app.post("/multi2")
async def multi2_post(n: int = 0):
    return {}


@app.get("/get2fa")
async def get2fa_userName():
    return {}


@app.get("/files/{p:path}")
async def files(p: str):
    return {}


@app.get("/order/{oid}")
async def order(oid: UUID, tax: float | None = None, n: int | None = None):
    return {}
