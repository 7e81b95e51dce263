/* notes — a CRUD JSON API for notes, on a database: FastAPI's SQL tutorial in C with brisk.
 *
 *   POST   /notes        {"title": "...", "body": "...", "done": false}  -> 201 the note
 *   GET    /notes        -> [notes]
 *   GET    /notes/{id}   -> the note, or 404 {"detail": "Note not found"}
 *   PUT    /notes/{id}   {"title": ..., "body": ..., "done": ...}        -> the note, or 404
 *   DELETE /notes/{id}   -> 204, or 404
 *
 * SQLite by default (./brisk.db), PostgreSQL when DATABASE_URL says so
 * (DATABASE_URL=postgresql://user:pw@localhost/notes ./notes): the queries keep to what both
 * understand — $1 parameters, INTEGER / TEXT columns, INSERT ... RETURNING — and only the
 * table's id column is declared per database. Each query suspends its request only; the
 * database work runs off the event loop. */
#include <brisk.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bk_db *db;

/* ---- the request body: a flat JSON object of strings, booleans and nulls ---- */

typedef struct note_in {
    char *title, *body; /* bk_req_alloc'd: freed with the request */
    int done;
    int has_title;
} note_in;

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

/* Writes code point `v` (< 0x10000) as UTF-8 at `out` + `*n`. */
static void put_utf8(char *out, size_t *n, unsigned v)
{
    if (v < 0x80) {
        out[(*n)++] = (char)v;
    } else if (v < 0x800) {
        out[(*n)++] = (char)(0xc0 | v >> 6);
        out[(*n)++] = (char)(0x80 | (v & 0x3f));
    } else {
        out[(*n)++] = (char)(0xe0 | v >> 12);
        out[(*n)++] = (char)(0x80 | (v >> 6 & 0x3f));
        out[(*n)++] = (char)(0x80 | (v & 0x3f));
    }
}

/* Reads a JSON string at `p` (after its opening quote) into `out`, which has room for as many
 * bytes as the input has. Returns what follows the closing quote, or NULL. \u escapes of NUL
 * and of surrogates (characters beyond the BMP) are refused. */
static const char *read_string(const char *p, const char *end, char *out)
{
    static const char escapes[] = "\"\\/bfnrt", values[] = "\"\\/\b\f\n\r\t";
    size_t n = 0;
    while (p < end && *p != '"') {
        char c = *p++;
        if ((unsigned char)c < 0x20)
            return NULL;
        if (c != '\\') {
            out[n++] = c;
            continue;
        }
        if (p == end)
            return NULL;
        c = *p++;
        unsigned v = 0;
        if (c == 'u') {
            if (end - p < 4 || sscanf(p, "%4x", &v) != 1 || v == 0 || (v >= 0xd800 && v < 0xe000))
                return NULL;
            put_utf8(out, &n, v);
            p += 4;
            continue;
        }
        const char *esc = c ? strchr(escapes, c) : NULL;
        if (!esc)
            return NULL;
        out[n++] = values[esc - escapes];
    }
    out[n] = '\0';
    return p < end ? p + 1 : NULL;
}

static const char *read_word(const char *p, const char *end, const char *word)
{
    size_t n = strlen(word);
    return (size_t)(end - p) >= n && memcmp(p, word, n) == 0 ? p + n : NULL;
}

/* One "key": value pair into `in`. Returns what follows, or NULL for malformed JSON or a value
 * of the wrong type. */
static const char *read_member(bk_req *req, const char *p, const char *end, note_in *in)
{
    /* strings are never longer than the body: room for any of them */
    char *key = *p == '"' ? bk_req_alloc(req, (size_t)(end - p)) : NULL;
    const char *q = key ? read_string(p + 1, end, key) : NULL;
    if (!q)
        return NULL;
    p = skip_ws(q, end);
    if (p == end || *p++ != ':')
        return NULL;
    p = skip_ws(p, end);
    if (p < end && *p == '"') {
        char *s = bk_req_alloc(req, (size_t)(end - p));
        if (!s || !(q = read_string(p + 1, end, s)))
            return NULL;
        if (strcmp(key, "title") == 0) {
            in->title = s;
            in->has_title = 1;
        } else if (strcmp(key, "body") == 0) {
            in->body = s;
        } else if (strcmp(key, "done") == 0) {
            return NULL;
        }
        return q;
    }
    if ((q = read_word(p, end, "true")) || (q = read_word(p, end, "false"))) {
        if (strcmp(key, "done") != 0)
            return NULL;
        in->done = *p == 't';
        return q;
    }
    return strcmp(key, "done") == 0 ? read_word(p, end, "null") : NULL;
}

/* Parses the body into `in`. 0, or -1 for what FastAPI would answer 422 to. */
static int parse_note(bk_req *req, note_in *in)
{
    size_t len = 0;
    const char *p = bk_req_body(req, &len);
    *in = (note_in){.body = ""};
    if (!p)
        return -1;
    const char *end = p + len;
    p = skip_ws(p, end);
    if (p == end || *p++ != '{')
        return -1;
    p = skip_ws(p, end);
    while (p < end && *p != '}') {
        if (!(p = read_member(req, p, end, in)))
            return -1;
        p = skip_ws(p, end);
        if (p < end && *p == ',')
            p = skip_ws(p + 1, end);
        else if (p < end && *p != '}')
            return -1;
    }
    if (p == end || skip_ws(p + 1, end) != end)
        return -1;
    return in->has_title ? 0 : -1;
}

/* ---- the database ---- */

/* The table, created by the first request of each worker (IF NOT EXISTS: the others' are
 * no-ops). Only the id column differs between the databases. */
static atomic_int schema_ready;

static int ensure_schema(bk_req *req)
{
    if (atomic_load(&schema_ready))
        return 0;
    const char *id = strcmp(bk_db_kind(db), "postgresql") == 0
                         ? "id INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
                         : "id INTEGER PRIMARY KEY";
    char sql[256];
    snprintf(sql, sizeof(sql),
             "CREATE TABLE IF NOT EXISTS notes (%s, title TEXT NOT NULL, "
             "body TEXT NOT NULL DEFAULT '', done INTEGER NOT NULL DEFAULT 0)",
             id);
    bk_rows *rows = NULL;
    int err = bk_db_query(bk_req_task(req), db, sql, 0, NULL, &rows);
    bk_rows_free(rows);
    if (!err)
        atomic_store(&schema_ready, 1);
    return err;
}

/* Answers a failed query: nothing for a client that left, 503 when the database is down, 500
 * otherwise (its message goes to the log, not to the client). */
static void send_db_error(bk_req *req, int err, const bk_rows *rows)
{
    if (err == BK_ECANCELED)
        return;
    if (err == BK_EQUERY)
        fprintf(stderr, "notes: query failed: %s (%s)\n", bk_rows_error(rows),
                bk_rows_sqlstate(rows));
    bk_send_error(req, err == BK_EQUERY ? 500 : 503, "Database unavailable");
}

/* Runs a query for a handler, creating the table first; on failure answers and returns the
 * error. */
static int run_query(bk_req *req, const char *sql, int n, const bk_db_value *params, bk_rows **rows)
{
    *rows = NULL;
    int err = ensure_schema(req);
    if (!err)
        err = bk_db_query(bk_req_task(req), db, sql, n, params, rows);
    if (err)
        send_db_error(req, err, *rows);
    return err;
}

#define NOTE_COLUMNS "id, title, body, done"

static void write_note(bk_json *j, const bk_rows *rows, int row)
{
    int64_t id = 0;
    int done = 0;
    bk_rows_int(rows, row, 0, &id);
    bk_rows_bool(rows, row, 3, &done);
    bk_json_object_begin(j);
    bk_json_key(j, "id");
    bk_json_int(j, id);
    bk_json_key(j, "title");
    bk_json_string(j, bk_rows_text(rows, row, 1, NULL));
    bk_json_key(j, "body");
    bk_json_string(j, bk_rows_text(rows, row, 2, NULL));
    bk_json_key(j, "done");
    bk_json_bool(j, done);
    bk_json_object_end(j);
}

/* Answers the first row as a note with `status`, or 404 when there is none. */
static void send_note(bk_req *req, int status, const bk_rows *rows)
{
    if (bk_rows_count(rows) == 0) {
        bk_send_error(req, 404, "Note not found");
        return;
    }
    bk_json *j = bk_json_begin(req, status);
    write_note(j, rows, 0);
    bk_json_send(req);
}

/* The {id} path parameter; 0 (after answering 422) when it is not a positive integer. */
static int64_t note_id(bk_req *req)
{
    const char *s = bk_req_param(req, "id");
    char *end = NULL;
    long long id = s ? strtoll(s, &end, 10) : 0;
    if (!s || !*s || *end || id <= 0) {
        bk_send_error(req, 422, "id must be a positive integer");
        return 0;
    }
    return id;
}

/* ---- the routes ---- */

static void create_note(bk_req *req)
{
    note_in in;
    if (parse_note(req, &in) != 0) {
        bk_send_error(req, 422, "a JSON object with a string title is required");
        return;
    }
    bk_db_value p[] = {BK_DB_TEXTV(in.title), BK_DB_TEXTV(in.body), BK_DB_INTV(in.done)};
    bk_rows *rows;
    if (run_query(
            req,
            "INSERT INTO notes (title, body, done) VALUES ($1, $2, $3) RETURNING " NOTE_COLUMNS, 3,
            p, &rows) == 0)
        send_note(req, 201, rows);
    bk_rows_free(rows);
}

static void list_notes(bk_req *req)
{
    bk_rows *rows;
    if (run_query(req, "SELECT " NOTE_COLUMNS " FROM notes ORDER BY id", 0, NULL, &rows) == 0) {
        bk_json *j = bk_json_begin(req, 200);
        bk_json_array_begin(j);
        for (int i = 0; i < bk_rows_count(rows); i++)
            write_note(j, rows, i);
        bk_json_array_end(j);
        bk_json_send(req);
    }
    bk_rows_free(rows);
}

static void read_note(bk_req *req)
{
    int64_t id = note_id(req);
    if (!id)
        return;
    bk_db_value p[] = {BK_DB_INTV(id)};
    bk_rows *rows;
    if (run_query(req, "SELECT " NOTE_COLUMNS " FROM notes WHERE id = $1", 1, p, &rows) == 0)
        send_note(req, 200, rows);
    bk_rows_free(rows);
}

static void update_note(bk_req *req)
{
    int64_t id = note_id(req);
    if (!id)
        return;
    note_in in;
    if (parse_note(req, &in) != 0) {
        bk_send_error(req, 422, "a JSON object with a string title is required");
        return;
    }
    bk_db_value p[] = {BK_DB_TEXTV(in.title), BK_DB_TEXTV(in.body), BK_DB_INTV(in.done),
                       BK_DB_INTV(id)};
    bk_rows *rows;
    if (run_query(req,
                  "UPDATE notes SET title = $1, body = $2, done = $3 WHERE id = $4 "
                  "RETURNING " NOTE_COLUMNS,
                  4, p, &rows) == 0)
        send_note(req, 200, rows);
    bk_rows_free(rows);
}

static void delete_note(bk_req *req)
{
    int64_t id = note_id(req);
    if (!id)
        return;
    bk_db_value p[] = {BK_DB_INTV(id)};
    bk_rows *rows;
    if (run_query(req, "DELETE FROM notes WHERE id = $1", 1, p, &rows) == 0) {
        if (bk_rows_affected(rows) == 0)
            bk_send_error(req, 404, "Note not found");
        else
            bk_send(req, 204, NULL, NULL, 0);
    }
    bk_rows_free(rows);
}

int main(int argc, char **argv)
{
    bk_app *app = bk_app_new();
    if (!app)
        return 1;
    int rc = bk_db_open(app, NULL, &db); /* $DATABASE_URL, or sqlite:///brisk.db */
    rc |= bk_post(app, "/notes", create_note);
    rc |= bk_get(app, "/notes", list_notes);
    rc |= bk_get(app, "/notes/{id}", read_note);
    rc |= bk_put(app, "/notes/{id}", update_note);
    rc |= bk_delete(app, "/notes/{id}", delete_note);
    int code = rc ? 2 : bk_run(app, argc, argv);
    bk_app_free(app);
    return code;
}
