/* Child tasks and their gather (bk_group): asyncio.gather / TaskGroup for a C handler.
 *
 * Structured, like Trio's nurseries: a group belongs to its parent task, its children run on
 * coroutines of the parent's scheduler, and they never outlive the parent. Cancelling the
 * parent cancels them; waiting for the group while cancelled cancels them and still waits for
 * each to return (their awaits return at once), because their arguments usually live in the
 * parent's frame or request. A parent that returns without waiting has its groups cancelled and
 * waited for before it finishes (task.c). */
#include "await/task.h"

#include <stdlib.h>

typedef struct child {
    bk_task task; /* first: the task's callbacks get the child from it */
    bk_task_fn fn;
    void *arg;
    int result;
    struct bk_group *group;
} child;

struct bk_group {
    bk_task *parent;
    struct bk_group *next; /* the parent's other open groups */
    int flags;
    child **children; /* in spawn order; pointers, so growing never moves a running task */
    int n, cap;
    int pending;     /* children not finished */
    int first_error; /* the first child to fail, in time (BK_GROUP_FAIL_FAST cancels the rest) */
    bk__op op;       /* the parent waiting for the last child */
};

bk_group *bk_group_new(bk_task *parent, int flags)
{
    if (!parent || !parent->coro || (flags & ~BK_GROUP_FAIL_FAST))
        return NULL;
    bk_group *g = calloc(1, sizeof(*g));
    if (!g)
        return NULL;
    g->parent = parent;
    g->flags = flags;
    g->next = parent->groups;
    parent->groups = g;
    return g;
}

static void cancel_children(bk_group *g)
{
    const bk_task *p = g->parent;
    for (int i = 0; i < g->n; i++) {
        bk_task *t = &g->children[i]->task;
        if (p->aborted)
            bk__task_abort(t);
        else
            bk__task_cancel(t, p->cancelled ? p->reason : BK_ECANCELED);
    }
}

void bk__group_cancel_all(bk_task *t)
{
    for (bk_group *g = t->groups; g; g = g->next)
        cancel_children(g);
}

static void run_child(bk_task *t, void *arg)
{
    child *c = arg;
    c->result = c->fn(t, c->arg);
}

static void on_child_done(bk_task *t)
{
    child *c = (child *)t;
    bk_group *g = c->group;
    g->pending--;
    if (c->result != 0 && !g->first_error) {
        g->first_error = c->result;
        if (g->flags & BK_GROUP_FAIL_FAST)
            cancel_children(g);
    }
    if (g->pending == 0)
        bk__op_complete(&g->op, 0);
}

int bk_group_spawn(bk_group *g, bk_task_fn fn, void *arg)
{
    if (!g || !fn)
        return BK_EINVAL;
    const bk_task *p = g->parent;
    if (bk__task_cancel_applies(p))
        return p->reason;
    if (g->n == g->cap) {
        int cap = g->cap ? g->cap * 2 : 8;
        child **grown = realloc(g->children, (size_t)cap * sizeof(*grown));
        if (!grown)
            return BK_ENOMEM;
        g->children = grown;
        g->cap = cap;
    }
    child *c = calloc(1, sizeof(*c));
    if (!c)
        return BK_ENOMEM;
    c->fn = fn;
    c->arg = arg;
    c->group = g;
    int err = bk__task_spawn(g->parent->sched, &c->task, run_child, c, on_child_done);
    if (err) {
        free(c);
        return err;
    }
    g->children[g->n++] = c;
    g->pending++;
    return 0;
}

/* The parent, waiting for the group, was cancelled or timed out: cancel the children, but keep
 * waiting until each returned. Called again for a cancellation after a timeout: idempotent. */
static int cancel_wait(bk__op *op)
{
    bk_group *g = (bk_group *)((char *)op - offsetof(bk_group, op));
    cancel_children(g);
    return g->pending ? BK__CANCEL_WAIT : BK__CANCEL_DETACH;
}

static void group_free(bk_group *g)
{
    bk_group **pp = &g->parent->groups;
    while (*pp != g)
        pp = &(*pp)->next;
    *pp = g->next;
    for (int i = 0; i < g->n; i++)
        free(g->children[i]);
    free(g->children);
    free(g);
}

/* Suspends the parent until every child returned. Returns the await's result. */
static int wait_children(bk_group *g)
{
    int err = 0;
    while (g->pending) {
        err = bk__task_await(g->parent, &g->op, cancel_wait);
        if (err == BK_EINVAL)
            return err;
        if (err && g->pending) /* interrupted: the children were cancelled, wait for them */
            cancel_children(g);
    }
    return err;
}

void bk__group_close(bk_group *g)
{
    cancel_children(g);
    wait_children(g);
    group_free(g);
}

int bk_group_wait(bk_group *g, int *results)
{
    if (!g)
        return BK_EINVAL;
    int err = bk__task_may_await(g->parent);
    if (err == BK_EINVAL)
        return err;
    if (err) /* cancelled or timed out already: the children must stop too */
        cancel_children(g);
    int waited = wait_children(g);
    if (waited == BK_EINVAL)
        return waited;
    err = err ? err : waited ? waited : g->first_error;
    for (int i = 0; results && i < g->n; i++)
        results[i] = g->children[i]->result;
    group_free(g);
    return err;
}

int bk_group_size(const bk_group *g)
{
    return g ? g->n : 0;
}
