/* bk_model_check: a table that leaves a member of its struct out is caught, whatever the
 * member's type, and a complete table passes. */
#include "brisk.h"
#include "check.h"

#include <string.h>

typedef struct full {
    int64_t id;
    bk_str name;
    bool flag;
    int small;
    double price;
} full;

static const bk_field full_fields[] = {BK_FIELD(full, id), BK_FIELD(full, name),
                                       BK_FIELD(full, flag), BK_FIELD(full, small),
                                       BK_FIELD(full, price), BK_END};
static const bk_model full_model = BK_MODEL(full, "Full", full_fields);

/* The same struct, each table missing one member. */
static const bk_field no_id[] = {BK_FIELD(full, name), BK_FIELD(full, flag),
                                 BK_FIELD(full, small), BK_FIELD(full, price), BK_END};
static const bk_field no_flag[] = {BK_FIELD(full, id), BK_FIELD(full, name),
                                   BK_FIELD(full, small), BK_FIELD(full, price), BK_END};
/* Left out: `small` (4 bytes after `flag`) fits the 7 bytes of padding a bool before a double
 * may have, so the layout cannot show it: bk_model_check says so in brisk.h. */
static const bk_field no_price[] = {BK_FIELD(full, id), BK_FIELD(full, name),
                                    BK_FIELD(full, flag), BK_FIELD(full, small), BK_END};

typedef struct outer {
    full inner;
    BK_LIST(full) many;
    uint64_t set;
} outer;
static const bk_field outer_fields[] = {BK_FIELD(outer, inner, BK_MODEL_OF(&full_model)),
                                        BK_LIST_FIELD(outer, many, BK_MODEL_OF(&full_model)),
                                        BK_END};
static const bk_model outer_model = BK_MODEL_SET(outer, "Outer", outer_fields, set);
static const bk_model outer_no_set = BK_MODEL(outer, "OuterNoSet", outer_fields);

static int fails(const bk_field *fields, const char *expect)
{
    const bk_model m = BK_MODEL(full, "Partial", fields);
    char why[256];
    int err = bk_model_check(&m, why, sizeof(why));
    if (err != BK_EINVAL || !strstr(why, expect)) {
        fprintf(stderr, "expected a gap (%s), got %d: %s\n", expect, err, why);
        return 0;
    }
    return 1;
}

int main(void)
{
    char why[256];
    CHECK(bk_model_check(&full_model, why, sizeof(why)) == 0);
    CHECK(fails(no_id, "8 bytes at offset 0 before name"));
    CHECK(fails(no_flag, "before small"));
    CHECK(fails(no_price, "at the end"));
    CHECK(bk_model_check(&outer_model, why, sizeof(why)) == 0);
    CHECK(bk_model_check(&outer_no_set, why, sizeof(why)) == BK_EINVAL);
    CHECK(strstr(why, "OuterNoSet") && strstr(why, "at the end"));
    return check_result("test_model_check");
}
