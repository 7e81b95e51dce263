"""examples/notes.c, the CRUD example, on SQLite: create, list, read, update, delete, and
FastAPI's answers for a missing note (404 {"detail": "Note not found"}) and a bad body (422)."""

import json

import pytest
from httpclient import error_detail, get, get_json, request


@pytest.fixture
def notes(spawn, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/notes.db")
    return spawn("notes")


def send(port, method, path, doc):
    return request(port, method, path, body=json.dumps(doc), headers={"Content-Type": "application/json"})


def test_crud(notes):
    port = notes.port
    assert get_json(port, "/notes") == []
    r = send(port, "POST", "/notes", {"title": "milk", "body": "2 litres"})
    assert r.status == 201, r
    first = r.json()
    assert first == {"id": 1, "title": "milk", "body": "2 litres", "done": False}
    r = send(port, "POST", "/notes", {"title": "caf\u00e9 \"bar\"", "done": True})
    assert r.status == 201, r
    second = r.json()
    assert second["title"] == 'café "bar"' and second["body"] == "" and second["done"] is True
    assert get_json(port, "/notes") == [first, second]
    assert get_json(port, "/notes/1") == first

    r = send(port, "PUT", "/notes/1", {"title": "oat milk", "body": "1 litre", "done": True})
    assert r.status == 200, r
    assert r.json() == {"id": 1, "title": "oat milk", "body": "1 litre", "done": True}
    assert get_json(port, "/notes/1")["title"] == "oat milk"

    r = request(port, "DELETE", "/notes/1")
    assert r.status == 204 and r.body == b"", r
    assert [n["id"] for n in get_json(port, "/notes")] == [2]


def test_missing_note_is_404(notes):
    for method in ("GET", "DELETE"):
        r = request(notes.port, method, "/notes/99")
        assert r.status == 404, r
        assert error_detail(r) == "Note not found"
    r = send(notes.port, "PUT", "/notes/99", {"title": "x"})
    assert r.status == 404 and error_detail(r) == "Note not found", r


@pytest.mark.parametrize("body", ['{"body": "no title"}', '{"title": 5}', '{"title": "x"', "[]", "",
                                  '{"title": "x", "done": "yes"}'])
def test_bad_bodies_are_422(notes, body):
    r = request(notes.port, "POST", "/notes", body=body, headers={"Content-Type": "application/json"})
    assert r.status == 422, r
    error_detail(r)


def test_bad_id_is_422(notes):
    assert get(notes.port, "/notes/abc").status == 422


def test_notes_persist_across_restarts(spawn, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/keep.db")
    first = spawn("notes")
    assert send(first.port, "POST", "/notes", {"title": "kept"}).status == 201
    assert first.stop() == 0
    second = spawn("notes")
    assert [n["title"] for n in get_json(second.port, "/notes")] == ["kept"]
