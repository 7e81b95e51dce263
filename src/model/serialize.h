/* Serialising model structs to JSON (responses). */
#ifndef BK_MODEL_SERIALIZE_H
#define BK_MODEL_SERIALIZE_H

#include "model/model.h"

/* Why a value could not be serialised: the field and a phrase, for the 500's log line. */
typedef struct bk__ser_error {
    const char *field;
    const char *why;
} bk__ser_error;

/* Writes `obj` (a struct of model `m`) as a JSON object. Returns 0; BK_EINVAL when a value does
 * not fit its field (`err` says which and why); the writer's error otherwise. */
int bk__serialize(bk_json *j, const bk__cmodel *m, const void *obj, bk__ser_error *err);

#endif
