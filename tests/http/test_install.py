"""A user's view of the library: install it, build a 10-line program with pkg-config, serve."""
import os
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import BUILD_DIR, SANITIZE

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

HELLO = r"""
#include <brisk.h>

static void hello(bk_req *req)
{
    bk_send_json(req, 200, "{\"message\":\"Hello!\"}");
}

int main(int argc, char **argv)
{
    bk_app *app = bk_app_new();
    bk_get(app, "/hello", hello);
    int code = bk_run(app, argc, argv);
    bk_app_free(app);
    return code;
}
"""


def install(tmp_path):
    """Installs the build under tmp_path/prefix; returns the environment that makes pkg-config
    find its brisk.pc (ahead of whatever PKG_CONFIG_PATH already holds, e.g. a libllhttp.pc)."""
    prefix = tmp_path / "prefix"
    subprocess.run(["cmake", "--install", str(BUILD_DIR), "--prefix", str(prefix)], check=True,
                   capture_output=True, timeout=60)
    pcdir = prefix / "lib" / "pkgconfig"
    if not pcdir.exists():  # multiarch libdir
        pcdir = list(prefix.glob("lib*/**/pkgconfig"))[0]
    paths = [str(pcdir)] + [p for p in os.environ.get("PKG_CONFIG_PATH", "").split(":") if p]
    return dict(os.environ, PKG_CONFIG_PATH=":".join(paths))


def pkg_config(env, *args):
    return subprocess.run(["pkg-config", *args, "brisk"], env=env, check=True, capture_output=True,
                          text=True, timeout=30).stdout.split()


def build_hello(tmp_path, flags):
    src = tmp_path / "hello.c"
    src.write_text(HELLO)
    exe = tmp_path / "hello"
    cc = shutil.which("cc") or "gcc"
    built = subprocess.run([cc, "-Wall", "-Werror", str(src), *flags, "-o", str(exe)],
                           capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, f"{' '.join(built.args)}\n{built.stderr}"
    return exe


def assert_serves_hello(spawn, exe):
    server = spawn(str(exe))
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/hello", timeout=5) as r:
        assert r.status == 200
        assert r.read() == b'{"message":"Hello!"}'
    # and its docs, with Swagger UI from inside the library (tests/http/test_docs.py)
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/docs", timeout=5) as r:
        assert b'<script src="/docs/swagger-ui-bundle.js">' in r.read()
    bundle = Path(REPO) / "docs-ui/node_modules/swagger-ui-dist/swagger-ui-bundle.js"
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/docs/swagger-ui-bundle.js", timeout=5) as r:
        assert r.read() == bundle.read_bytes()


@pytest.mark.skipif(SANITIZE, reason="the installed library is the normal build")
def test_readmes_typed_hello_builds_against_the_installed_header_and_validates(tmp_path, spawn):
    """examples/hello.c, README's hello world, with only the installed brisk.h and libbrisk: the
    typed operations answer what FastAPI answers for the same program."""
    env = install(tmp_path)
    flags = pkg_config(env, "--cflags", "--libs")
    libdir = [f[2:] for f in flags if f.startswith("-L")][0]
    src = Path(REPO) / "examples" / "hello.c"
    readme = (Path(REPO) / "README.md").read_text()
    assert src.read_text().split("#include <brisk.h>", 1)[1] in readme  # README shows this file
    exe = tmp_path / "typed_hello"
    cc = shutil.which("cc") or "gcc"
    built = subprocess.run([cc, "-Wall", "-Wextra", "-Werror", str(src), *flags,
                            f"-Wl,-rpath,{libdir}", "-o", str(exe)], capture_output=True, text=True,
                           timeout=120)
    assert built.returncode == 0, built.stderr
    server = spawn(str(exe))
    base = f"http://127.0.0.1:{server.port}"
    with urllib.request.urlopen(f"{base}/items/5?q=hi", timeout=5) as r:
        assert r.read() == b'{"item_id":5,"q":"hi"}'
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(f"{base}/items/0", timeout=5)
    assert e.value.code == 422
    assert e.value.read() == (b'{"detail":[{"type":"greater_than_equal","loc":["path","item_id"],'
                              b'"msg":"Input should be greater than or equal to 1","input":"0",'
                              b'"ctx":{"ge":1}}]}')
    req = urllib.request.Request(f"{base}/items", data=b'{"name":"Foo","price":"50.5"}',
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as r:
        assert r.read() == b'{"name":"Foo","price":50.5,"tax":null}'


def needed_libraries(exe):
    out = subprocess.run(["readelf", "-d", str(exe)], check=True, capture_output=True, text=True,
                         timeout=30).stdout
    return re.findall(r"\(NEEDED\).*\[(.*)\]", out)


@pytest.mark.skipif(SANITIZE, reason="the installed library is the normal build")
def test_installed_library_builds_and_serves_a_user_program(tmp_path, spawn):
    env = install(tmp_path)
    flags = pkg_config(env, "--cflags", "--libs")
    libdir = [f[2:] for f in flags if f.startswith("-L")][0]
    exe = build_hello(tmp_path, [*flags, f"-Wl,-rpath,{libdir}"])
    assert any(lib.startswith("libbrisk.so") for lib in needed_libraries(exe))
    assert_serves_hello(spawn, exe)
    # the notices of the Swagger UI and ReDoc that libbrisk carries
    docdir = tmp_path / "prefix" / "share" / "doc" / "brisk"
    for name in ("LICENSE.swagger-ui", "NOTICE.swagger-ui", "LICENSE.redoc",
                 "swagger-ui-bundle.js.LICENSE.txt", "redoc.standalone.js.LICENSE.txt"):
        assert (docdir / name).is_file(), name


@pytest.mark.skipif(SANITIZE, reason="the installed library is the normal build")
def test_installed_static_library_links_with_pkg_config_static(tmp_path, spawn):
    """libbrisk.a with `pkg-config --static`: brisk.pc's private dependencies (libuv, Boost.Context,
    pthread, a system llhttp) are all a static link needs."""
    env = install(tmp_path)
    flags = pkg_config(env, "--static", "--cflags", "--libs")
    libdir = [f[2:] for f in flags if f.startswith("-L")][0]
    archive = os.path.join(libdir, "libbrisk.a")
    assert os.path.exists(archive)
    assert "-lbrisk" in flags
    # -lbrisk would pick libbrisk.so; the archive itself, in the same place on the line
    exe = build_hello(tmp_path, [archive if f == "-lbrisk" else f for f in flags])
    assert not [lib for lib in needed_libraries(exe) if lib.startswith("libbrisk")]
    assert_serves_hello(spawn, exe)


def public_functions():
    """The functions and objects include/brisk.h declares, and those not marked BK_EXTERN."""
    text = (Path(REPO) / "include" / "brisk.h").read_text()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"^\s*#(?:[^\n]*\\\n)*[^\n]*", "", text, flags=re.M)  # directives, macros
    declared, unmarked = set(), set()
    for stmt in re.split(r"[;{}]", text):
        stmt = " ".join(stmt.split())
        obj = re.match(r"BK_EXTERN extern .*\b(bk_\w+)$", stmt)  # an exported object
        if obj:
            declared.add(obj.group(1))
            continue
        m = re.search(r"\b(bk_\w+) ?\(", stmt)
        if not m or stmt.startswith(("typedef", "static inline")):
            continue  # types, and header-only helpers that the library does not export
        declared.add(m.group(1))
        if not stmt.startswith("BK_EXTERN "):
            unmarked.add(m.group(1))
    return declared, unmarked


def test_shared_library_exports_exactly_the_public_api():
    """libbrisk.so is built with hidden visibility: what it exports is brisk.h's BK_EXTERN
    functions, not brisk's internals (bk_conn_*, bk_tq_*, ...) nor the llhttp it may embed, which
    would clash with another llhttp in the same process."""
    lib = BUILD_DIR / "libbrisk.so"
    assert lib.exists(), f"{lib} is not built"
    out = subprocess.run(["nm", "-D", "--defined-only", str(lib)], check=True, capture_output=True,
                         text=True, timeout=30).stdout
    exported = {line.split()[-1].split("@")[0] for line in out.splitlines() if line.strip()}
    # ASan gives every exported object an ODR indicator (__odr_asan.bk_http_error): not API.
    exported = {name for name in exported if not name.startswith("__odr_asan")}
    declared, unmarked = public_functions()
    assert declared, "found no function declarations in include/brisk.h"
    problems = []
    if exported - declared:
        problems.append("exported but not public: " + ", ".join(sorted(exported - declared)))
    if unmarked:
        problems.append("declared in brisk.h without BK_EXTERN: " + ", ".join(sorted(unmarked)))
    if declared - exported - unmarked:
        problems.append("declared BK_EXTERN but not exported (not defined?): "
                        + ", ".join(sorted(declared - exported - unmarked)))
    assert not problems, "\n".join(problems)
