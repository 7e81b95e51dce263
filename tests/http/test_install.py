"""A user's view of the library: install it, build a 10-line program with pkg-config, serve."""
import os
import re
import shutil
import subprocess
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


@pytest.mark.skipif(SANITIZE, reason="the installed library is the normal build")
def test_installed_library_builds_and_serves_a_user_program(tmp_path, spawn):
    prefix = tmp_path / "prefix"
    subprocess.run(["cmake", "--install", str(BUILD_DIR), "--prefix", str(prefix)], check=True,
                   capture_output=True, timeout=60)
    src = tmp_path / "hello.c"
    src.write_text(HELLO)
    env = dict(os.environ, PKG_CONFIG_PATH=str(prefix / "lib" / "pkgconfig"))
    if not (prefix / "lib" / "pkgconfig").exists():  # multiarch libdir
        libdirs = list(prefix.glob("lib*/**/pkgconfig"))
        env["PKG_CONFIG_PATH"] = str(libdirs[0])
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "brisk"], env=env, check=True,
                           capture_output=True, text=True, timeout=30).stdout.split()
    libdir = [f[2:] for f in flags if f.startswith("-L")][0]
    exe = tmp_path / "hello"
    cc = shutil.which("cc") or "gcc"
    subprocess.run([cc, "-Wall", "-Werror", str(src), *flags, f"-Wl,-rpath,{libdir}", "-o", str(exe)],
                   check=True, capture_output=True, timeout=120)
    server = spawn(str(exe))
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/hello", timeout=5) as r:
        assert r.status == 200
        assert r.read() == b'{"message":"Hello!"}'


def public_functions():
    """The functions include/brisk.h declares, and those of them not marked BK_EXTERN."""
    text = (Path(REPO) / "include" / "brisk.h").read_text()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    declared, unmarked = set(), set()
    for stmt in re.split(r"[;{}]", text):
        stmt = " ".join(stmt.split())
        m = re.search(r"\b(bk_\w+) ?\(", stmt)
        if not m or stmt.startswith("typedef"):
            continue
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
