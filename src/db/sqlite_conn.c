/* One SQLite connection as a database thread uses it: see sqlite.h. */
#include "db/sqlite.h"
#include "util/log.h"

#include <stdlib.h>
#include <string.h>

struct bk__sqlite_cached {
    char *sql;
    uint64_t hash;
    uint64_t used; /* the connection's clock at the last lookup */
    sqlite3_stmt *stmt;
};

/* ---- opening ---- */

static int fail_open(bk__sqlite_conn *c, char *why, size_t why_size, const char *what)
{
    snprintf(why, why_size, "%s: %s", what, c->db ? sqlite3_errmsg(c->db) : "out of memory");
    sqlite3_close(c->db);
    c->db = NULL;
    return BK_ECONNREFUSED;
}

/* WAL lets readers run while the writer writes; SQLite answers the journal mode it got, which
 * is "memory" for an in-memory database and "delete" where WAL cannot work (some network file
 * systems): then readers wait for the writer (the busy timeout), which is slower, not wrong. */
static int set_wal(bk__sqlite_conn *c, const char *path, char *why, size_t why_size)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(c->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(st);
        return fail_open(c, why, why_size, "cannot set the journal mode");
    }
    const char *mode = (const char *)sqlite3_column_text(st, 0);
    if (mode && strcmp(mode, "wal") != 0 && strcmp(mode, "memory") != 0)
        bk__log(BK_LOG_WARNING,
                "sqlite database '%s': journal mode is %s, not WAL: readers wait "
                "for writers",
                path, mode);
    sqlite3_finalize(st);
    return 0;
}

int bk__sqlite_conn_open(bk__sqlite_conn *c, const char *path, int readonly, int busy_ms, char *why,
                         size_t why_size)
{
    memset(c, 0, sizeof(*c));
    /* NOMUTEX: a connection belongs to one thread at a time (its database thread; the loop
     * thread only opens and closes it while no thread runs). sqlite3_interrupt, which the loop
     * calls while a thread runs, is safe from any thread in this mode too. */
    int flags = SQLITE_OPEN_NOMUTEX |
                (readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (sqlite3_open_v2(path, &c->db, flags, NULL) != SQLITE_OK)
        return fail_open(c, why, why_size, "cannot open it");
    sqlite3_extended_result_codes(c->db, 1);
    sqlite3_busy_timeout(c->db, busy_ms);
    /* Reading the journal mode is the first access to the file: a file that is no database
     * fails here, at start-up, rather than at the first query. */
    int err = readonly ? 0 : set_wal(c, path, why, why_size);
    if (err)
        return err;
    const char *pragmas = readonly ? "PRAGMA foreign_keys=ON; PRAGMA schema_version"
                                   : "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON";
    if (sqlite3_exec(c->db, pragmas, NULL, NULL, NULL) != SQLITE_OK)
        return fail_open(c, why, why_size, "cannot set it up");
    c->cache = calloc(BK__SQLITE_CACHE, sizeof(*c->cache));
    if (!c->cache) {
        snprintf(why, why_size, "out of memory");
        sqlite3_close(c->db);
        c->db = NULL;
        return BK_ENOMEM;
    }
    return 0;
}

void bk__sqlite_conn_close(bk__sqlite_conn *c)
{
    for (int i = 0; i < c->ncached; i++) {
        sqlite3_finalize(c->cache[i].stmt);
        free(c->cache[i].sql);
    }
    free(c->cache);
    c->cache = NULL;
    c->ncached = 0;
    if (c->db && sqlite3_close(c->db) != SQLITE_OK)
        bk__log(BK_LOG_WARNING, "sqlite: closing a connection: %s", sqlite3_errmsg(c->db));
    c->db = NULL;
}

/* ---- errors ---- */

/* The SQLSTATE PostgreSQL uses for the same failure, so that an app reads both databases' errors
 * the same way (23505: a duplicate key...). */
static const char *sqlstate_of(int code, const char *message, int at_prepare)
{
    switch (code) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
        return "23505";
    case SQLITE_CONSTRAINT_NOTNULL:
        return "23502";
    case SQLITE_CONSTRAINT_FOREIGNKEY:
        return "23503";
    case SQLITE_CONSTRAINT_CHECK:
        return "23514";
    case SQLITE_CONSTRAINT_DATATYPE:
        return "42804";
    default:
        break;
    }
    switch (code & 0xff) {
    case SQLITE_ERROR:
        if (!at_prepare)
            return "XX000";
        if (strncmp(message, "no such table", 13) == 0)
            return "42P01";
        if (strncmp(message, "no such column", 14) == 0)
            return "42703";
        if (strncmp(message, "no such function", 16) == 0)
            return "42883";
        return "42601"; /* syntax errors and the like, found while preparing */
    case SQLITE_CONSTRAINT:
        return "23000";
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return "55P03"; /* lock_not_available */
    case SQLITE_READONLY:
        return "25006";
    case SQLITE_INTERRUPT:
        return "57014"; /* query_canceled */
    case SQLITE_MISMATCH:
        return "42804";
    case SQLITE_TOOBIG:
        return "54000";
    case SQLITE_RANGE:
        return "08P01";
    case SQLITE_NOMEM:
        return "53200";
    case SQLITE_FULL:
        return "53100";
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
        return "58030";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return "XX001";
    default:
        return "XX000";
    }
}

bk_rows *bk__sqlite_error(int code, const char *message, int at_prepare)
{
    return bk__rows_error(message, sqlstate_of(code, message ? message : "", at_prepare));
}

/* The connection's last error as a result. */
static bk_rows *conn_error(bk__sqlite_conn *c, int at_prepare)
{
    return bk__sqlite_error(sqlite3_extended_errcode(c->db), sqlite3_errmsg(c->db), at_prepare);
}

/* ---- the statement cache ---- */

static uint64_t hash_sql(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* Whether `tail`, what follows the first statement of some SQL, holds another statement. */
static int has_second_statement(sqlite3 *db, const char *tail)
{
    tail += strspn(tail, " \t\r\n;");
    if (!*tail)
        return 0;
    sqlite3_stmt *st = NULL; /* comments prepare to no statement */
    int rc = sqlite3_prepare_v2(db, tail, -1, &st, NULL);
    sqlite3_finalize(st);
    return rc != SQLITE_OK || st != NULL;
}

/* The slot a new statement goes to: a free one, or the least recently used one, emptied. */
static bk__sqlite_cached *free_slot(bk__sqlite_conn *c)
{
    if (c->ncached < BK__SQLITE_CACHE)
        return &c->cache[c->ncached++];
    bk__sqlite_cached *lru = &c->cache[0];
    for (int i = 1; i < c->ncached; i++)
        if (c->cache[i].used < lru->used)
            lru = &c->cache[i];
    sqlite3_finalize(lru->stmt);
    free(lru->sql);
    memset(lru, 0, sizeof(*lru));
    return lru;
}

/* Prepares `sql`, or finds it prepared. Returns 0 with `*stmt` set, 1 for SQL without a
 * statement (empty, or only comments), or BK_EQUERY / BK_ENOMEM with the error in `*err`. */
static int prepare(bk__sqlite_conn *c, const char *sql, sqlite3_stmt **stmt, bk_rows **err)
{
    uint64_t h = hash_sql(sql);
    c->clock++;
    for (int i = 0; i < c->ncached; i++) {
        bk__sqlite_cached *e = &c->cache[i];
        if (e->hash == h && strcmp(e->sql, sql) == 0) {
            e->used = c->clock;
            *stmt = e->stmt;
            return 0;
        }
    }
    const char *tail = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, &tail) != SQLITE_OK) {
        *err = conn_error(c, 1);
        return *err ? BK_EQUERY : BK_ENOMEM;
    }
    if (!st)
        return 1;
    if (tail && has_second_statement(c->db, tail)) { /* as PostgreSQL refuses them too */
        sqlite3_finalize(st);
        *err = bk__rows_error("cannot insert multiple commands into a prepared statement", "42601");
        return *err ? BK_EQUERY : BK_ENOMEM;
    }
    char *copy = strdup(sql);
    if (!copy) {
        sqlite3_finalize(st);
        return BK_ENOMEM;
    }
    bk__sqlite_cached *e = free_slot(c);
    *e = (bk__sqlite_cached){.sql = copy, .hash = h, .used = c->clock, .stmt = st};
    *stmt = st;
    return 0;
}

int bk__sqlite_conn_readonly(bk__sqlite_conn *c, const char *sql)
{
    sqlite3_stmt *st = NULL;
    bk_rows *err = NULL;
    int rc = prepare(c, sql, &st, &err);
    bk_rows_free(err);
    if (rc == 1)
        return 1;
    return rc == 0 ? sqlite3_stmt_readonly(st) != 0 : -1;
}

/* ---- parameters ---- */

/* Which of the caller's parameters SQLite's parameter `name` is: $1 and ?1 are the first, and a
 * bare ? the one at its position `index`. 0 for a name brisk does not bind ($name, :name). */
static long param_number(const char *name, int index)
{
    if (!name)
        return index;
    if ((name[0] != '$' && name[0] != '?') || name[1] < '1' || name[1] > '9')
        return 0;
    char *end;
    long n = strtol(name + 1, &end, 10);
    return *end ? 0 : n;
}

static int bind_value(sqlite3_stmt *st, int index, const bk_db_value *v)
{
    switch (v->type) {
    case BK_DB_NULL:
        return sqlite3_bind_null(st, index);
    case BK_DB_INT:
    case BK_DB_BOOL: /* SQLite has no booleans: 0 and 1, as its TRUE and FALSE are */
        return sqlite3_bind_int64(st, index, v->type == BK_DB_BOOL ? v->i != 0 : v->i);
    case BK_DB_FLOAT:
        return sqlite3_bind_double(st, index, v->f);
    case BK_DB_TEXT: /* static: the caller's parameters outlive the statement's run */
        if (v->len == (size_t)-1)
            return sqlite3_bind_text(st, index, v->s, -1, SQLITE_STATIC);
        return sqlite3_bind_text64(st, index, v->s ? v->s : "", v->len, SQLITE_STATIC, SQLITE_UTF8);
    default:
        return SQLITE_MISMATCH;
    }
}

/* Binds the statement's parameters from the caller's. 0, or BK_EQUERY with `*err` set. */
static int bind_params(bk__sqlite_conn *c, sqlite3_stmt *st, const bk_db_stmt *s, bk_rows **err)
{
    int count = sqlite3_bind_parameter_count(st);
    for (int i = 1; i <= count; i++) {
        const char *name = sqlite3_bind_parameter_name(st, i);
        long n = param_number(name, i);
        char msg[160];
        if (n < 1 || n > s->nparams) {
            if (n < 1)
                snprintf(msg, sizeof(msg), "parameter %s: brisk binds $1, $2... only", name);
            else
                snprintf(msg, sizeof(msg),
                         "the statement uses parameter $%ld and the query gives %d", n, s->nparams);
            *err = bk__rows_error(msg, "08P01");
            return BK_EQUERY;
        }
        if (bind_value(st, i, &s->params[n - 1]) != SQLITE_OK) {
            *err = s->params[n - 1].type > BK_DB_BOOL
                       ? bk__rows_error("a parameter of an unknown type", "22023")
                       : conn_error(c, 0);
            return BK_EQUERY;
        }
    }
    return 0;
}

/* ---- results ---- */

static int add_value(bk_rows *r, sqlite3_stmt *st, int col)
{
    int type = sqlite3_column_type(st, col);
    if (type == SQLITE_NULL)
        return 0;
    int64_t i = 0;
    double f = 0;
    bk_db_type t = BK_DB_TEXT;
    if (type == SQLITE_INTEGER) {
        i = sqlite3_column_int64(st, col);
        t = BK_DB_INT;
    } else if (type == SQLITE_FLOAT) {
        f = sqlite3_column_double(st, col);
        t = BK_DB_FLOAT;
    }
    /* a BLOB's bytes as they are; numbers as SQLite prints them */
    const void *text =
        type == SQLITE_BLOB ? sqlite3_column_blob(st, col) : sqlite3_column_text(st, col);
    size_t len = (size_t)sqlite3_column_bytes(st, col);
    if (!text && len)
        return BK_ENOMEM;
    return bk__rows_set_typed(r, col, t, i, f, text ? text : "", len);
}

static int add_row(bk_rows *r, sqlite3_stmt *st)
{
    int err = bk__rows_add_row(r);
    for (int col = 0; !err && col < bk_rows_columns(r); col++)
        err = add_value(r, st, col);
    return err;
}

static bk_rows *new_result(sqlite3_stmt *st)
{
    int ncols = sqlite3_column_count(st);
    bk_rows *r = bk__rows_new(ncols);
    for (int col = 0; r && col < ncols; col++) {
        const char *name = sqlite3_column_name(st, col);
        if (!name || bk__rows_set_name(r, col, name, strlen(name))) {
            bk_rows_free(r);
            return NULL;
        }
    }
    return r;
}

/* Steps the bound statement to its end into a result. */
static int step_all(bk__sqlite_conn *c, sqlite3_stmt *st, bk_rows **out)
{
    bk_rows *r = new_result(st);
    if (!r)
        return BK_ENOMEM;
    /* sqlite3_changes64 keeps the count of the last INSERT/UPDATE/DELETE: only a statement
     * that changed rows (the total moved) reports it, so a SELECT or CREATE reports 0. */
    sqlite3_int64 before = sqlite3_total_changes64(c->db);
    int rc = SQLITE_DONE, err = 0;
    while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW)
        err = add_row(r, st);
    if (err) {
        bk_rows_free(r);
        return err;
    }
    if (rc != SQLITE_DONE) {
        bk_rows_free(r);
        *out = conn_error(c, 0);
        return *out ? BK_EQUERY : BK_ENOMEM;
    }
    if (sqlite3_total_changes64(c->db) != before)
        bk__rows_set_affected(r, sqlite3_changes64(c->db));
    *out = r;
    return 0;
}

int bk__sqlite_exec(bk__sqlite_conn *c, const bk_db_stmt *s, bk_rows **out)
{
    sqlite3_stmt *st = NULL;
    *out = NULL;
    int err = prepare(c, s->sql, &st, out);
    if (err == 1) { /* no statement: an empty result, as PostgreSQL's empty query */
        *out = bk__rows_new(0);
        return *out ? 0 : BK_ENOMEM;
    }
    if (err)
        return err;
    err = bind_params(c, st, s, out);
    if (!err)
        err = step_all(c, st, out);
    if (err == BK_EQUERY && !*out)
        err = BK_ENOMEM;
    /* reset ends the statement's read transaction; a reader must not hold a snapshot */
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return err;
}

int bk__sqlite_exec_quiet(bk__sqlite_conn *c, const char *sql, bk_rows **err)
{
    bk_db_stmt s = {sql, 0, NULL};
    bk_rows *rows = NULL;
    int rc = bk__sqlite_exec(c, &s, &rows);
    if (rc == BK_ENOMEM) { /* still a failure the caller reports as the query's */
        rows = bk__rows_error("out of memory", "53200");
        rc = BK_EQUERY;
    }
    if (err && rc)
        *err = rows;
    else
        bk_rows_free(rows);
    return rc;
}
