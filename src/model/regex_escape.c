/* Escapes, Unicode properties and bracket classes of Rust's regex syntax, written as PCRE2 (the
 * bk__rx of pattern.c; regex_syntax.h). */
#include "model/regex_syntax.h"

#include <stdio.h>
#include <string.h>

/* \xHH, \x{H..}, \uHHHH, \u{H..}, \UHHHHHHHH, \U{H..} after the letter; t->i is past it. */
static uint32_t read_hex_escape(bk__rx *t, char letter)
{
    size_t digits = letter == 'x' ? 2 : letter == 'u' ? 4 : 8, start = t->i;
    uint32_t v = 0;
    if (bk__rx_cur(t) == '{') {
        t->i++;
        size_t k = 0;
        for (; !bk__rx_at_end(t) && bk__rx_cur(t) != '}'; t->i++, k++) {
            if (bk__rx_hex_digit(bk__rx_cur(t)) < 0 || k >= 8) {
                bk__rx_fail(t, t->i, "hexadecimal literal is not a Unicode scalar value");
                return 0;
            }
            v = v * 16 + (uint32_t)bk__rx_hex_digit(bk__rx_cur(t));
        }
        if (bk__rx_at_end(t) || k == 0) {
            bk__rx_fail(t, start,
                        k ? "incomplete escape sequence, reached end of pattern prematurely"
                          : "hexadecimal literal empty");
            return 0;
        }
        t->i++;
    } else {
        for (size_t k = 0; k < digits; k++, t->i++) {
            if (bk__rx_at_end(t)) {
                bk__rx_fail(t, t->i,
                            "incomplete escape sequence, reached end of pattern prematurely");
                return 0;
            }
            if (bk__rx_hex_digit(bk__rx_cur(t)) < 0) {
                bk__rx_fail(t, t->i, "hexadecimal literal is not a Unicode scalar value");
                return 0;
            }
            v = v * 16 + (uint32_t)bk__rx_hex_digit(bk__rx_cur(t));
        }
    }
    if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        bk__rx_fail(t, start, "hexadecimal literal is not a Unicode scalar value");
    return v;
}

/* ---- Unicode property names ------------------------------------------------------------------ */

/* Rust's long General_Category names (compared loosely: case, '_', '-' and spaces ignored) and
 * the short names PCRE2 knows them by. */
static const char *const category_names[][2] = {
    {"letter", "L"},
    {"casedletter", "LC"},
    {"uppercaseletter", "Lu"},
    {"lowercaseletter", "Ll"},
    {"titlecaseletter", "Lt"},
    {"modifierletter", "Lm"},
    {"otherletter", "Lo"},
    {"mark", "M"},
    {"combiningmark", "M"},
    {"nonspacingmark", "Mn"},
    {"spacingmark", "Mc"},
    {"enclosingmark", "Me"},
    {"number", "N"},
    {"decimalnumber", "Nd"},
    {"letternumber", "Nl"},
    {"othernumber", "No"},
    {"punctuation", "P"},
    {"connectorpunctuation", "Pc"},
    {"dashpunctuation", "Pd"},
    {"openpunctuation", "Ps"},
    {"closepunctuation", "Pe"},
    {"initialpunctuation", "Pi"},
    {"finalpunctuation", "Pf"},
    {"otherpunctuation", "Po"},
    {"symbol", "S"},
    {"mathsymbol", "Sm"},
    {"currencysymbol", "Sc"},
    {"modifiersymbol", "Sk"},
    {"othersymbol", "So"},
    {"separator", "Z"},
    {"spaceseparator", "Zs"},
    {"lineseparator", "Zl"},
    {"paragraphseparator", "Zp"},
    {"other", "C"},
    {"control", "Cc"},
    {"format", "Cf"},
    {"surrogate", "Cs"},
    {"privateuse", "Co"},
    {"unassigned", "Cn"},
};

/* The loose form of a name: lowercase, without '_', '-' and spaces. */
static size_t loose_name(const char *s, size_t len, char *out, size_t size)
{
    size_t k = 0;
    for (size_t i = 0; i < len && k + 1 < size; i++) {
        char c = s[i];
        if (c == '_' || c == '-' || c == ' ')
            continue;
        out[k++] = (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
    }
    out[k] = '\0';
    return k;
}

/* Writes \p{name} / \P{name} for PCRE2. */
static void emit_property(bk__rx *t, int negated, const char *name, size_t len, size_t at)
{
    if (len == 0 || memchr(name, '&', len) || memchr(name, '^', len) || memchr(name, '!', len)) {
        bk__rx_fail(t, at, "Unicode property not found");
        return;
    }
    char loose[64];
    loose_name(name, len, loose, sizeof loose);
    const char *value = loose;
    if (strncmp(loose, "gc=", 3) == 0)
        value = loose + 3;
    else if (strncmp(loose, "generalcategory=", 16) == 0)
        value = loose + 16;
    bk__rx_emit_str(t, negated ? "\\P{" : "\\p{");
    for (size_t i = 0; i < sizeof category_names / sizeof category_names[0]; i++)
        if (strcmp(value, category_names[i][0]) == 0) {
            bk__rx_emit_str(t, category_names[i][1]);
            bk__rx_emit_str(t, "}");
            return;
        }
    if (value != loose) { /* gc=Lu: the short name itself */
        const char *eq = memchr(name, '=', len);
        bk__rx_emit(t, eq + 1, len - (size_t)(eq + 1 - name));
    } else {
        bk__rx_emit(t, name, len);
    }
    bk__rx_emit_str(t, "}");
}

/* \pX or \p{...} (t->i past the 'p' / 'P'). */
static void read_property(bk__rx *t, int negated)
{
    size_t at = t->i - 2;
    if (bk__rx_at_end(t)) {
        bk__rx_fail(t, at, "incomplete escape sequence, reached end of pattern prematurely");
        return;
    }
    if (bk__rx_cur(t) != '{') {
        const char *name = t->p + t->i;
        t->i++;
        emit_property(t, negated, name, 1, at);
        return;
    }
    const char *close = memchr(t->p + t->i, '}', t->n - t->i);
    if (!close) {
        bk__rx_fail(t, at, "unclosed Unicode class literal");
        return;
    }
    const char *name = t->p + t->i + 1;
    emit_property(t, negated, name, (size_t)(close - name), at);
    t->i = (size_t)(close - t->p) + 1;
}

/* ---- escapes --------------------------------------------------------------------------------- */

/* Escapes that stand for one character: \a \f \t \n \r \v, hex forms, escaped punctuation. */
static int char_escape(bk__rx *t, char c, uint32_t *cp)
{
    static const char letters[] = "aftnrv", values[] = "\a\f\t\n\r\v";
    const char *l = c ? strchr(letters, c) : NULL;
    if (l) {
        *cp = (unsigned char)values[l - letters];
        return 1;
    }
    if (c == 'x' || c == 'u' || c == 'U') {
        *cp = read_hex_escape(t, c);
        return 1;
    }
    if ((unsigned char)c < 0x80 && !bk__rx_is_alnum(c) && c != '<' && c != '>') {
        *cp = (unsigned char)c;
        return 1;
    }
    return 0;
}

/* \b{start} and the other special word boundaries (t->i on the '{'). */
static void word_boundary_special(bk__rx *t, size_t at)
{
    static const char *const names[][2] = {{"start", "(?<!" BK__RX_W ")(?=" BK__RX_W ")"},
                                           {"end", "(?<=" BK__RX_W ")(?!" BK__RX_W ")"},
                                           {"start-half", "(?<!" BK__RX_W ")"},
                                           {"end-half", "(?!" BK__RX_W ")"}};
    const char *close = memchr(t->p + t->i, '}', t->n - t->i);
    size_t len = close ? (size_t)(close - t->p) - t->i - 1 : 0;
    for (size_t k = 0; close && k < 4; k++)
        if (strlen(names[k][0]) == len && memcmp(t->p + t->i + 1, names[k][0], len) == 0) {
            bk__rx_emit_str(t, names[k][1]);
            t->i = (size_t)(close - t->p) + 1;
            return;
        }
    bk__rx_fail(t, at,
                "unrecognized special word boundary assertion, valid choices are: start, end, "
                "start-half or end-half");
}

/* An escape outside a class (t->i on the backslash). */
bk__rx_escape bk__rx_read_escape(bk__rx *t, uint32_t *cp)
{
    size_t at = t->i++;
    if (bk__rx_at_end(t)) {
        bk__rx_fail(t, at, "incomplete escape sequence, reached end of pattern prematurely");
        return BK__RX_ESC_CLASS;
    }
    char c = bk__rx_cur(t);
    t->i++;
    if (char_escape(t, c, cp))
        return BK__RX_ESC_CHAR;
    switch (c) {
    case 'd':
    case 'D':
        bk__rx_emit_str(t, c == 'd' ? "\\d" : "\\D");
        return BK__RX_ESC_CLASS;
    case 's':
    case 'S':
        bk__rx_emit_str(t, c == 's' ? "[" BK__RX_SPACE_ITEMS "]" : "[^" BK__RX_SPACE_ITEMS "]");
        return BK__RX_ESC_CLASS;
    case 'w':
    case 'W':
        bk__rx_emit_str(t, c == 'w' ? BK__RX_W : "[^" BK__RX_WORD_ITEMS "]");
        return BK__RX_ESC_CLASS;
    case 'p':
    case 'P':
        read_property(t, c == 'P');
        return BK__RX_ESC_CLASS;
    case 'A':
    case 'z':
        bk__rx_emit_str(t, c == 'A' ? "\\A" : "\\z");
        return BK__RX_ESC_ASSERT;
    case 'b':
        if (bk__rx_cur(t) == '{')
            word_boundary_special(t, at);
        else
            bk__rx_emit_str(t, "(?:(?<=" BK__RX_W ")(?!" BK__RX_W ")|(?<!" BK__RX_W ")(?=" BK__RX_W
                               "))");
        return BK__RX_ESC_ASSERT;
    case 'B':
        bk__rx_emit_str(t,
                        "(?:(?<=" BK__RX_W ")(?=" BK__RX_W ")|(?<!" BK__RX_W ")(?!" BK__RX_W "))");
        return BK__RX_ESC_ASSERT;
    case '<':
    case '>':
        bk__rx_emit_str(t, c == '<' ? "(?<!" BK__RX_W ")(?=" BK__RX_W ")"
                                    : "(?<=" BK__RX_W ")(?!" BK__RX_W ")");
        return BK__RX_ESC_ASSERT;
    default:
        if (c >= '0' && c <= '9')
            bk__rx_fail(t, at, "backreferences are not supported");
        else
            bk__rx_fail(t, at, "unrecognized escape sequence");
        return BK__RX_ESC_CLASS;
    }
}

/* ---- bracket classes ------------------------------------------------------------------------- */

/* The POSIX classes, ASCII only as in Rust, as inclusive code point ranges. */
static const struct posix_class {
    const char *name;
    uint8_t ranges[4][2];
    int n;
} posix_classes[] = {
    {"alnum", {{'0', '9'}, {'A', 'Z'}, {'a', 'z'}}, 3},
    {"alpha", {{'A', 'Z'}, {'a', 'z'}}, 2},
    {"ascii", {{0x00, 0x7F}}, 1},
    {"blank", {{'\t', '\t'}, {' ', ' '}}, 2},
    {"cntrl", {{0x00, 0x1F}, {0x7F, 0x7F}}, 2},
    {"digit", {{'0', '9'}}, 1},
    {"graph", {{'!', '~'}}, 1},
    {"lower", {{'a', 'z'}}, 1},
    {"print", {{' ', '~'}}, 1},
    {"punct", {{'!', '/'}, {':', '@'}, {'[', '`'}, {'{', '~'}}, 4},
    {"space", {{'\t', '\r'}, {' ', ' '}}, 2},
    {"upper", {{'A', 'Z'}}, 1},
    {"word", {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}}, 4},
    {"xdigit", {{'0', '9'}, {'A', 'F'}, {'a', 'f'}}, 3},
};

static void emit_range(bk__rx *t, uint32_t lo, uint32_t hi)
{
    bk__rx_emit_code_point(t, lo);
    if (hi != lo) {
        bk__rx_emit_str(t, "-");
        bk__rx_emit_code_point(t, hi);
    }
}

/* [:name:] or [:^name:] at t->i (on the '['); 0 when it is not one (a nested class). */
static int read_posix_class(bk__rx *t)
{
    size_t i = t->i + 2;
    int negated = i < t->n && t->p[i] == '^';
    i += negated;
    for (size_t k = 0; k < sizeof posix_classes / sizeof posix_classes[0]; k++) {
        const struct posix_class *pc = &posix_classes[k];
        size_t len = strlen(pc->name);
        if (i + len + 2 > t->n || memcmp(t->p + i, pc->name, len) != 0 ||
            memcmp(t->p + i + len, ":]", 2) != 0)
            continue;
        uint32_t next = 0; /* negated: the gaps between the ranges, up to U+10FFFF */
        for (int r = 0; r < pc->n; r++) {
            if (!negated)
                emit_range(t, pc->ranges[r][0], pc->ranges[r][1]);
            else if (pc->ranges[r][0] > next)
                emit_range(t, next, pc->ranges[r][0] - 1u);
            next = pc->ranges[r][1] + 1u;
        }
        if (negated)
            emit_range(t, next, 0x10FFFF);
        t->i = i + len + 2;
        return 1;
    }
    return 0;
}

/* One class item that can bound a range: a literal or a one-character escape. Returns 1 with
 * *cp set, or 0 after writing a class escape (\d, \w, \p{..}: not a range boundary). */
static int read_class_atom(bk__rx *t, uint32_t *cp)
{
    if (bk__rx_cur(t) != '\\') {
        *cp = bk__rx_take_code_point(t);
        return 1;
    }
    size_t at = t->i++;
    if (bk__rx_at_end(t)) {
        bk__rx_fail(t, at, "incomplete escape sequence, reached end of pattern prematurely");
        return 0;
    }
    char c = bk__rx_cur(t);
    t->i++;
    if (char_escape(t, c, cp))
        return 1;
    switch (c) {
    case 'd':
    case 'D':
    case 'S':
    case 'W': /* PCRE2's own \S and \W: a negated set cannot be written out inside a class */
        bk__rx_emit(t, t->p + at, 2);
        return 0;
    case 's':
        bk__rx_emit_str(t, BK__RX_SPACE_ITEMS);
        return 0;
    case 'w':
        bk__rx_emit_str(t, BK__RX_WORD_ITEMS);
        return 0;
    case 'p':
    case 'P':
        read_property(t, c == 'P');
        return 0;
    default:
        bk__rx_fail(t, at,
                    c == 'b' || c == 'B' || c == 'A' || c == 'z' || c == '<' || c == '>'
                        ? "invalid escape sequence found in character class"
                        : "unrecognized escape sequence");
        return 0;
    }
}

static void unsupported_class(bk__rx *t, size_t at, const char *what)
{
    bk__rx_fail(t, at, "%s in a character class: valid for pydantic, not supported by brisk", what);
}

/* A bracket class (t->i on the '['). */
void bk__rx_read_class(bk__rx *t)
{
    size_t open = t->i++, start = t->out.len;
    bk__rx_emit_str(t, "[");
    if (bk__rx_cur(t) == '^') {
        bk__rx_emit_str(t, "^");
        t->i++;
    }
    int first = 1;
    while (!t->error) {
        bk__rx_skip_space(t);
        if (bk__rx_at_end(t)) {
            bk__rx_fail(t, open, "unclosed character class");
            return;
        }
        char c = bk__rx_cur(t);
        if (c == ']' && !first)
            break;
        first = 0;
        if (c == '[') {
            if (t->i + 1 < t->n && t->p[t->i + 1] == ':' && read_posix_class(t))
                continue;
            unsupported_class(t, t->i, "a nested class");
            return;
        }
        if (t->i + 1 < t->n && t->p[t->i + 1] == c && (c == '&' || c == '-' || c == '~')) {
            unsupported_class(t, t->i, "a set operation (&&, --, ~~)");
            return;
        }
        size_t item = t->i;
        uint32_t lo;
        if (!read_class_atom(t, &lo))
            continue;
        bk__rx_skip_space(t);
        if (bk__rx_cur(t) == '-' && t->i + 1 < t->n && t->p[t->i + 1] != ']' &&
            t->p[t->i + 1] != '-') {
            t->i++;
            bk__rx_skip_space(t);
            uint32_t hi;
            size_t mark = t->out.len;
            if (!read_class_atom(t, &hi)) {
                t->out.len = mark;
                bk__rx_fail(t, item, "invalid range boundary, must be a literal");
                return;
            }
            if (hi < lo) {
                bk__rx_fail(t, item, "invalid character class range, the start must be <= the end");
                return;
            }
            emit_range(t, lo, hi);
        } else {
            bk__rx_emit_code_point(t, lo);
        }
    }
    t->i++;
    bk__rx_emit_str(t, "]");
    bk__rx_set_atom(t, start, BK__RX_ATOM_PLAIN);
}
