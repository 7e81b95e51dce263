/* Models compiled for use: the user's bk_model tables (include/brisk.h) checked once at
 * registration and turned into what validation, serialisation and OpenAPI walk — options looked
 * up, defaults parsed, patterns compiled, nested models resolved.
 *
 * A compiled model is owned by its app (bk__models) and shared by every operation that uses it,
 * so a model nested in several others is compiled, and documented, once. */
#ifndef BK_MODEL_MODEL_H
#define BK_MODEL_MODEL_H

#include "brisk.h"

typedef struct bk__jval bk__jval;
typedef struct bk__pattern bk__pattern;
typedef struct bk__cmodel bk__cmodel;

/* bk__cfield.flags */
#define BK__F_REQUIRED   1u /* no default: leaving it out is a `missing` error */
#define BK__F_NULLABLE   2u /* null (None) is a value */
#define BK__F_HAS_GT     4u
#define BK__F_HAS_GE     8u
#define BK__F_HAS_LT     16u
#define BK__F_HAS_LE     32u
#define BK__F_HAS_MULT   64u
#define BK__F_DEPRECATED 128u

/* A numeric bound as declared: BK_GT(0) and BK_GT(0.0) differ in Python too. */
typedef struct bk__bound {
    int is_float;
    int64_t i;
    double f;
} bk__bound;

/* Errors whose msg and ctx depend only on the field (a bound, a length, a pattern, the enum's
 * values): rendered once, at registration, as JSON text (bk__field_prerender). */
typedef enum bk__pre_slot {
    BK__PRE_GT,
    BK__PRE_GE,
    BK__PRE_LT,
    BK__PRE_LE,
    BK__PRE_MULT,
    BK__PRE_MIN_LEN,
    BK__PRE_MAX_LEN,
    BK__PRE_PATTERN,
    BK__PRE_ENUM,
    BK__PRE_COUNT
} bk__pre_slot;

typedef struct bk__cfield {
    const bk_field *src;
    const char *name; /* on the wire: the alias, or for a header x_token "x-token" */
    size_t name_len;
    char *owned_name; /* a header's converted name */
    int index;        /* in the model: the bit of the "set" mask */
    bk_kind kind;     /* for a list: BK_K_LIST, and `elem` the elements' kind */
    bk_kind elem;
    bk_in in;
    unsigned flags;
    bk__bound gt, ge, lt, le, mult;
    int64_t min_len, max_len; /* -1: none */
    const char *pattern;      /* as declared, for errors and OpenAPI */
    bk__pattern *re;
    const bk_enum_value *enums;
    size_t nenums;
    const bk_enum *enum_class; /* BK_ENUM_CLASS: the enum's OpenAPI name; NULL for BK_ENUM_OF */
    const bk__cmodel *model; /* BK_K_MODEL, or a list of them */
    const char *default_json;
    bk__jval *default_value;         /* parsed default_json, or NULL */
    struct bk__arena *default_arena; /* owns default_value and example_value */
    const char *title, *description, *example_json;
    bk__jval *example_value;      /* parsed example_json (OpenAPI's examples), or NULL */
    char *pre_msg[BK__PRE_COUNT]; /* a JSON string, or NULL */
    char *pre_ctx[BK__PRE_COUNT]; /* a JSON object, or NULL */
    size_t pre_msg_len[BK__PRE_COUNT], pre_ctx_len[BK__PRE_COUNT];
    /* The whole error object around its input, for the field at the top of its location
     * (["body", name], ["query", name], ...): `{"type":..,"loc":..,"msg":..,"input":` and
     * `,"ctx":..}`. */
    char *pre_head[BK__PRE_COUNT], *pre_tail[BK__PRE_COUNT];
    size_t pre_head_len[BK__PRE_COUNT], pre_tail_len[BK__PRE_COUNT];
} bk__cfield;

struct bk__cmodel {
    const bk_model *src;
    bk__cfield *fields;
    int nfields;
    int forbid_extra;
    bk__cmodel *next; /* the app's list */
};

/* The app's compiled models. */
typedef struct bk__models {
    bk__cmodel *head;
} bk__models;

/* The compiled form of `m`, compiling it (and its nested models) on first use. NULL when the
 * table is malformed (logged with the model's and field's names) or memory ran out. */
const bk__cmodel *bk__model_compile(bk__models *ms, const bk_model *m);
/* The compiled form of `m` if it was compiled, else NULL (never compiles: safe from any
 * worker). */
const bk__cmodel *bk__model_find(const bk__models *ms, const bk_model *m);
/* Frees every compiled model. */
void bk__models_free(bk__models *ms);
/* The compiled field named `name` (its wire name), or NULL. */
const bk__cfield *bk__model_field(const bk__cmodel *m, const char *name, size_t len);

/* Checks that the fields of `m` cover its struct (see bk_model_check). 0 or BK_EINVAL with
 * `why` filled. */
int bk__model_check_layout(const bk__cmodel *m, char *why, size_t n);

/* Renders the field's constant error messages and ctx objects (validate.c). 0 or BK_ENOMEM. */
int bk__field_prerender(bk__cfield *f);
/* The slot of error type `t` (a bk__etype), or BK__PRE_COUNT when it has none. */
int bk__pre_slot_of(int t);

/* The enum value's JSON name, or NULL when `v` is not one of the field's values. */
const char *bk__enum_name(const bk__cfield *f, int v);

#endif
