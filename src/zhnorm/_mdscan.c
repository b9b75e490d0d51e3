/* The Markdown scanner and the prose cut-back of zhnorm.markup, in C.
 *
 * A line-for-line port of zhnorm/markup/markdown.py, inline_md.py (see
 * zhnorm/markup/PORTING.md for which function ports which) and the
 * cut-back of render.py: the Python code is the specification and stays the
 * oracle (tests compare spans and output on the corpus and on generated
 * input).  Each regex of the Python scanner is replaced by a hand-written
 * matcher that accepts exactly what the regex accepts, backtracking
 * included; the comments name the regex.
 *
 * Why C: with the C conversion engine, plain conversion runs at ~100 MB/s,
 * and a Python scanner (about 2 us per span, ~80 spans per KB of the corpus)
 * made markup-aware conversion 5-10 times slower than plain.  Here the scan
 * and the cut-back create no Python object per span.
 *
 * Case-insensitive matches follow Python's re.IGNORECASE, which also matches
 * four non-ASCII letters to ASCII ones (see ci_eq).
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>
#include <stdint.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* ------------------------------------------------------------------ spans */

/* Span types, tag lists, limits: generated from the Python scanner. */
#include "_mdscan_tables.h"

static PyObject *type_strs[T_COUNT];

enum { OUT_PROSE, OUT_SHOWN, OUT_BARE_LINK };

typedef struct {
    Py_ssize_t start, end;
    unsigned char type, conv, brk;
    unsigned char out;  /* OUT_SHOWN: a -{ }- rule or rule phrase, written as `shown`
                           (NULL: kept); OUT_BARE_LINK: a label-less wikitext link */
    PyObject *shown;    /* borrowed */
} Span;

typedef struct {
    Py_ssize_t idx;
    int image, active;
} Opener;

/* The converted text of one prose piece: a slice of `str` (borrowed). */
typedef struct {
    PyObject *str;
    Py_ssize_t a, e;
    int set;
} Repl;

/* A chain's quiet table (zhnorm/quiet.py, whose docstring gives the
 * layout): which texts the chain cannot change, told from their
 * characters.  Checked whole when made, so a scan reads it unchecked. */
#define QUIET_MAGIC 0x3154515Au
#define QUIET_ACTIVE 0xFFFFu
#define QUIET_BMP 0x10000
typedef struct {
    PyObject_HEAD
    void *copy;               /* the table's bytes, aligned for its arrays */
    const uint16_t *table;    /* per BMP code point: 0, QUIET_ACTIVE or a pair id (from 1) */
    const uint32_t *offsets;  /* pair id k's partners: partners[offsets[k - 1]:offsets[k]] */
    const uint16_t *partners;
    Py_ssize_t members;       /* pair ids */
    uint64_t active_bits[QUIET_BMP / 64]; /* bit c: table[c] == QUIET_ACTIVE */
    uint64_t pair_bits[QUIET_BMP / 64];   /* bit c: c is a pair's anchor */
} Quiet;

/* The closers the inline scanner searches for from every opener that may
 * not be closed: a comment's "-->", "?>", "]]>", a declaration's ">", a
 * rule's "}-" and "-{", the "]" or space that ends a footnote label, and
 * each raw tag's close tag (M_RAW + its index in
 * RAW_TAGS).  A search from an opener that is not closed runs to the end of
 * the text; remembering where the next closer is (memo_find) keeps n such
 * openers linear instead of quadratic. */
enum { M_COMMENT_END, M_PI_END, M_CDATA_END, M_GT, M_RULE_CLOSE, M_RULE_OPEN, M_LABEL_STOP, M_RAW };
#define N_RAW_TAGS ((int)(sizeof RAW_TAGS / sizeof *RAW_TAGS) - 1)
typedef struct {
    Py_ssize_t from; /* searched from here (PY_SSIZE_T_MAX: never) */
    Py_ssize_t at;   /* found here, the first at or after `from` in the text, or -1: none */
    Py_ssize_t end;  /* where the found closer ends */
} Memo;

typedef struct {
    Py_UCS4 *u; /* the text as UCS4 (one load per character, no kind switch), 0 after */
    unsigned char *b; /* byte classes of the text (load_text) */
    Py_ssize_t n;
    Py_ssize_t *starts; /* nlines + 1 entries; starts[nlines] == n + 1 */
    unsigned char *pipes; /* pipes[i]: line i holds a "|" */
    Py_ssize_t nlines;
    Span *v;
    Py_ssize_t nv, capv;
    Opener *stack;
    Py_ssize_t ns, caps;
    Py_ssize_t *lists;
    Py_ssize_t nl, capl;
    Py_ssize_t capu, capstarts, cappipes; /* capu: characters u and b have room for */
    Py_ssize_t nrules; /* T_CONV_RULE spans (spans are never removed) */
    Py_ssize_t *owners; /* render_core: the pieces of the prose (gather_pieces), */
    Py_ssize_t capowners; /* with their offsets in the joined prose after them */
    int32_t *shift; /* shift[j]: where joined[j] lies in the text, less j (UCS2 pages) */
    Py_ssize_t capshift;
    Repl *repl; /* render_core: what each piece becomes */
    Py_ssize_t caprepl;
    const Quiet *quiet; /* set: inline scans of text the chain cannot change are skipped */
    uint32_t *seen;     /* pairs_met: seen[id] == epoch, pair id met in this block */
    uint16_t *present;  /* pairs_met: the pair ids met in this block */
    Py_ssize_t capseen; /* room for ids 0..capseen-1 in both */
    uint32_t epoch;
    int failed; /* a Python exception is set */
    int html_block; /* scan_inline reads an HTML block (inline_md.scan_inline's html_block) */
    Memo memo[M_RAW + N_RAW_TAGS]; /* memo_find: the last search for each closer */
} Scan;

#define CH(i) (s->u[(i)])

/* ------------------------------------------------------------ byte classes */

/* Everything the scanner looks for is ASCII, so its searches run over one
 * byte per character (s->b), 16 at a time: the character itself if ASCII,
 * B_HIGH above U+3000 (CJK and beyond: no whitespace, no syntax), B_OTHER
 * for the rest.  The code points themselves stay in s->u. */
enum { B_OTHER = 0x80, B_HIGH = 0xFF };
#define PAD 64 /* zero bytes after the last class byte: blocks may be loaded past the end */

/* s->u and s->b for `text`: for UCS2 text (Chinese) both in one pass. */
static int load_text(Scan *s, PyObject *text) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), i = 0;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    if (s->capu < n + 1) {
        PyMem_Free(s->u);
        PyMem_Free(s->b);
        s->b = PyMem_Malloc((size_t)n + 1 + PAD);
        s->u = PyMem_Malloc(((size_t)n + 1) * sizeof(Py_UCS4));
        s->capu = s->u && s->b ? n + 1 : 0;
        if (!s->capu) {
            PyErr_NoMemory();
            return -1;
        }
    }
    Py_UCS4 *u = s->u;
    unsigned char *b = s->b;
#ifdef __SSE2__
    if (kind == PyUnicode_2BYTE_KIND) {
        /* unsigned 16-bit comparisons as signed ones, both sides offset by 0x8000 */
        const Py_UCS2 *src = data;
        const __m128i flip = _mm_set1_epi16((short)0x8000), ascii = _mm_set1_epi16((short)(0x80 ^ 0x8000)),
                      cjk = _mm_set1_epi16((short)(0x3000 ^ 0x8000)), other = _mm_set1_epi16(B_OTHER),
                      high = _mm_set1_epi16(B_HIGH), zero = _mm_setzero_si128();
        for (; i + 16 <= n; i += 16) {
            __m128i half[2];
            for (int h = 0; h < 2; h++) {
                __m128i v = _mm_loadu_si128((const __m128i *)(src + i + 8 * h));
                _mm_storeu_si128((__m128i *)(u + i + 8 * h), _mm_unpacklo_epi16(v, zero));
                _mm_storeu_si128((__m128i *)(u + i + 8 * h + 4), _mm_unpackhi_epi16(v, zero));
                __m128i x = _mm_xor_si128(v, flip);
                __m128i lo = _mm_cmplt_epi16(x, ascii), hi = _mm_cmpgt_epi16(x, cjk);
                half[h] = _mm_or_si128(_mm_or_si128(_mm_and_si128(lo, v), _mm_and_si128(hi, high)),
                                       _mm_andnot_si128(_mm_or_si128(lo, hi), other));
            }
            _mm_storeu_si128((__m128i *)(b + i), _mm_packus_epi16(half[0], half[1]));
        }
    }
#endif
    for (; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        u[i] = c;
        b[i] = c < 0x80 ? (unsigned char)c : c > 0x3000 ? B_HIGH : B_OTHER;
    }
    u[n] = 0;
    memset(b + n, 0, PAD);
    return 0;
}

/* A search's answer from the first hit p of its block: blocks are loaded
 * whole (the class bytes are padded, PAD), so p may lie past the end of the
 * search, and then nothing before the end matched.  Bounding the hit, not
 * each block's mask, costs one test per search, not one per block. */
static inline Py_ssize_t hit_before(Py_ssize_t p, Py_ssize_t end) {
    return p < end ? p : end;
}

/* Bit j set: b[j] == c, for 64 bytes: past the text they are PAD zeros,
 * so a search for a character other than NUL needs no bound. */
static inline uint64_t mask64(const unsigned char *b, unsigned char c) {
    uint64_t m = 0;
#ifdef __SSE2__
    const __m128i x = _mm_set1_epi8((char)c);
    for (int h = 0; h < 4; h++)
        m |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(b + 16 * h)), x))
             << (16 * h);
#else
    for (int j = 0; j < 64; j++)
        m |= (uint64_t)(b[j] == c) << j;
#endif
    return m;
}

static inline int ctz64(uint64_t m) {
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_ctzll(m);
#else
    int k = 0;
    for (; !(m & 1); m >>= 1)
        k++;
    return k;
#endif
}

/* The first index in [i, end) that may end or escape a bare link
 * destination: skips printable ASCII other than ( ) \ and characters above
 * U+3000 (CJK: no whitespace there). */
static inline Py_ssize_t skip_plain_dest(const unsigned char *b, Py_ssize_t i, Py_ssize_t end) {
#ifdef __SSE2__
    /* signed bytes: B_OTHER and B_HIGH are negative, so not above the space */
    const __m128i sp = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7f), high = _mm_set1_epi8((char)B_HIGH);
    const __m128i lp = _mm_set1_epi8('('), rp = _mm_set1_epi8(')'), bs = _mm_set1_epi8('\\');
    for (; i < end; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(b + i));
        __m128i ascii = _mm_and_si128(_mm_cmpgt_epi8(v, sp), _mm_cmplt_epi8(v, del));
        __m128i plain = _mm_or_si128(ascii, _mm_cmpeq_epi8(v, high));
        __m128i special = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, lp), _mm_cmpeq_epi8(v, rp)),
                                       _mm_cmpeq_epi8(v, bs));
        unsigned m = ~(unsigned)_mm_movemask_epi8(_mm_andnot_si128(special, plain)) & 0xFFFF;
        if (m)
            return hit_before(i + __builtin_ctz(m), end);
    }
    return end;
#else
    for (; i < end; i++) {
        unsigned char c = b[i];
        if (!((c > 0x20 && c < 0x7f && c != '(' && c != ')' && c != '\\') || c == B_HIGH))
            break;
    }
    return i;
#endif
}

/* The first index in [i, end) holding c1 or c2 (both ASCII), or end. */
static inline Py_ssize_t find_either(const unsigned char *b, Py_ssize_t i, Py_ssize_t end, unsigned char c1,
                                     unsigned char c2) {
#ifdef __SSE2__
    const __m128i x = _mm_set1_epi8((char)c1), y = _mm_set1_epi8((char)c2);
    for (; i < end; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(b + i));
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, x), _mm_cmpeq_epi8(v, y)));
        if (m)
            return hit_before(i + __builtin_ctz(m), end);
    }
    return end;
#else
    for (; i < end; i++)
        if (b[i] == c1 || b[i] == c2)
            return i;
    return end;
#endif
}

/* The first index in [i, end) holding one of the characters the inline
 * scanner acts on (_NEXT: \ ` < [ ] * _ ~ & - : w !), or end. */
static inline Py_ssize_t next_special(const unsigned char *b, Py_ssize_t i, Py_ssize_t end) {
#ifdef __SSE2__
    /* [ \ ] _ ` are 0x5B-0x60 but for ^ (0x5E): one range test for five */
    static const char SINGLES[] = "<*~&-:w!";
    __m128i want[sizeof SINGLES - 1];
    for (size_t k = 0; k < sizeof SINGLES - 1; k++)
        want[k] = _mm_set1_epi8(SINGLES[k]);
    const __m128i lo = _mm_set1_epi8(0x5B - 1), hi = _mm_set1_epi8(0x60 + 1), caret = _mm_set1_epi8('^');
    for (; i < end; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(b + i));
        if (_mm_movemask_epi8(v) == 0xFFFF) /* no ASCII: most blocks of Chinese prose */
            continue;
        /* signed bytes: the non-ASCII classes are negative, below the range */
        __m128i hit = _mm_andnot_si128(_mm_cmpeq_epi8(v, caret),
                                       _mm_and_si128(_mm_cmpgt_epi8(v, lo), _mm_cmplt_epi8(v, hi)));
        for (size_t k = 0; k < sizeof SINGLES - 1; k++)
            hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, want[k]));
        unsigned m = (unsigned)_mm_movemask_epi8(hit);
        if (m)
            return hit_before(i + __builtin_ctz(m), end);
    }
    return end;
#else
    static const char SET[] = "\\`<[]*_~&-:w!";
    for (; i < end; i++)
        if (b[i] && memchr(SET, b[i], sizeof SET - 1))
            return i;
    return end;
#endif
}

/* "fig:" occurs in [q, e) (str.find("fig:", q, e) >= 0). */
static int has_fig(const unsigned char *b, Py_ssize_t q, Py_ssize_t e) {
    for (Py_ssize_t k = q; (k = find_either(b, k, e - 3, 'f', 'f')) < e - 3; k++) /* 'f' is rarer in links */
        if (b[k + 1] == 'i' && b[k + 2] == 'g' && b[k + 3] == ':')
            return 1;
    return 0;
}

static int grow(void **buf, Py_ssize_t *cap, Py_ssize_t need, size_t item) {
    if (need <= *cap)
        return 0;
    Py_ssize_t c = *cap ? *cap * 2 : 256;
    while (c < need)
        c *= 2;
    void *p = PyMem_Realloc(*buf, (size_t)c * item);
    if (!p) {
        PyErr_NoMemory();
        return -1;
    }
    *buf = p;
    *cap = c;
    return 0;
}

static void push(Scan *s, int type, Py_ssize_t a, Py_ssize_t b, int conv, int brk) {
    if (s->failed)
        return;
    if (grow((void **)&s->v, &s->capv, s->nv + 1, sizeof(Span)) < 0) {
        s->failed = 1;
        return;
    }
    Span *sp = &s->v[s->nv++];
    sp->start = a;
    sp->end = b;
    sp->type = (unsigned char)type;
    sp->conv = (unsigned char)conv;
    sp->brk = (unsigned char)brk;
    sp->out = OUT_PROSE;
    sp->shown = NULL;
}

static void insert_at(Scan *s, Py_ssize_t i, int type, Py_ssize_t a, Py_ssize_t b, int conv) {
    if (s->failed)
        return;
    if (grow((void **)&s->v, &s->capv, s->nv + 1, sizeof(Span)) < 0) {
        s->failed = 1;
        return;
    }
    memmove(&s->v[i + 1], &s->v[i], (size_t)(s->nv - i) * sizeof(Span));
    s->nv++;
    Span *sp = &s->v[i];
    sp->start = a;
    sp->end = b;
    sp->type = (unsigned char)type;
    sp->conv = (unsigned char)conv;
    sp->brk = 0;
    sp->out = OUT_PROSE;
    sp->shown = NULL;
}

#define TEXT(a, b) push(s, T_TEXT, (a), (b), 1, 0)

/* ------------------------------------------------------- character classes */

/* \s and str.isspace(): Python's whitespace, spelled out so that the test
 * is inline (tests/test_markup_c.py checks it against str.isspace). */
static inline int is_ws(Py_UCS4 c) {
    if (c > 0x3000) /* CJK and everything after: the common case first */
        return 0;
    if (c < 128)
        return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20);
    if (c < 0x1680)
        return c == 0x85 || c == 0xa0;
    return c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
           c == 0x202f || c == 0x205f || c == 0x3000;
}
static inline int is_st(Py_UCS4 c) { return c == ' ' || c == '\t'; } /* [ \t] */
static inline int is_ctl_sp(Py_UCS4 c) { return c <= 0x20 || c == 0x7f; } /* not in [^\x00-\x20\x7f] */
static inline int is_stn(Py_UCS4 c) { return c == ' ' || c == '\t' || c == '\n'; }
static inline int is_alpha_a(Py_UCS4 c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static inline int is_digit_a(Py_UCS4 c) { return c >= '0' && c <= '9'; }
static inline int is_decimal(Py_UCS4 c) { return c < 128 ? c >= '0' && c <= '9' : Py_UNICODE_ISDECIMAL(c); } /* \d */
static inline int is_alnum_a(Py_UCS4 c) { return is_alpha_a(c) || is_digit_a(c); }
static inline Py_UCS4 lower_a(Py_UCS4 c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

/* Text character c matches pattern character w (ASCII) under re.IGNORECASE,
 * which also matches U+0130 and U+0131 to i, U+017F to s, U+212A to k. */
static inline int ci_eq(Py_UCS4 c, Py_UCS4 w) {
    w = lower_a(w);
    if (lower_a(c) == w)
        return 1;
    if (c < 0x130)
        return 0;
    return (w == 'i' && (c == 0x130 || c == 0x131)) || (w == 's' && c == 0x17F) || (w == 'k' && c == 0x212A);
}
static inline int is_icase_extra(Py_UCS4 c) { return c == 0x130 || c == 0x131 || c == 0x17F || c == 0x212A; }

static int is_ascii_punct(Py_UCS4 c) {
    return (c >= 0x21 && c <= 0x2f) || (c >= 0x3a && c <= 0x40) || (c >= 0x5b && c <= 0x60) ||
           (c >= 0x7b && c <= 0x7e);
}

/* unicodedata.category(c)[0] in "PS", cached for the BMP. */
static PyObject *category_fn;
static unsigned char punct_cache[65536]; /* 0 unknown, 1 no, 2 yes */

static int is_punct(Scan *s, Py_UCS4 c) {
    if (c < 128)
        return is_ascii_punct(c);
    if (c < 65536 && punct_cache[c])
        return punct_cache[c] == 2;
    PyObject *ch = PyUnicode_FromOrdinal((int)c);
    PyObject *cat = ch ? PyObject_CallOneArg(category_fn, ch) : NULL;
    Py_XDECREF(ch);
    if (!cat || !PyUnicode_Check(cat) || PyUnicode_GET_LENGTH(cat) < 1) {
        Py_XDECREF(cat);
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_RuntimeError, "unicodedata.category failed");
        s->failed = 1;
        return 0;
    }
    Py_UCS4 k = PyUnicode_READ_CHAR(cat, 0);
    Py_DECREF(cat);
    int yes = k == 'P' || k == 'S';
    if (c < 65536)
        punct_cache[c] = (unsigned char)(yes ? 2 : 1);
    return yes;
}

/* Block-syntax first characters of markdown.py's _BLOCK_START. */
static const unsigned char BLOCK_CHARS[128] = {
    ['`'] = 1, ['~'] = 1, ['#'] = 1, ['<'] = 1, ['='] = 1, ['-'] = 1, ['*'] = 1, ['_'] = 1, ['>'] = 1,
    ['+'] = 1, ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1, ['['] = 1, [' '] = 1, ['\t'] = 1,
};
static inline int block_start(Py_UCS4 c) { return c < 128 && BLOCK_CHARS[c]; }

/* Position of the first occurrence of the two-character string c1 c2 lying
 * inside [start, end), or -1 (str.find(sub, start, end)).  find1, find2 and
 * find3 take ASCII characters only: they search the class bytes. */
static Py_ssize_t find2(Scan *s, Py_UCS4 c1, Py_UCS4 c2, Py_ssize_t start, Py_ssize_t end) {
    for (Py_ssize_t k = start; (k = find_either(s->b, k, end - 1, (unsigned char)c1, (unsigned char)c1)) < end - 1; k++)
        if (CH(k + 1) == c2)
            return k;
    return -1;
}

static Py_ssize_t find3(Scan *s, const char *sub, Py_ssize_t start, Py_ssize_t end) {
    unsigned char c = (unsigned char)sub[0];
    for (Py_ssize_t k = start; (k = find_either(s->b, k, end - 2, c, c)) < end - 2; k++)
        if (CH(k + 1) == (Py_UCS4)sub[1] && CH(k + 2) == (Py_UCS4)sub[2])
            return k;
    return -1;
}

static Py_ssize_t find1(Scan *s, Py_UCS4 c, Py_ssize_t start, Py_ssize_t end) {
    Py_ssize_t k = find_either(s->b, start, end, (unsigned char)c, (unsigned char)c);
    return k < end ? k : -1;
}

static const char *const MEMO_STRS[] = {"-->", "?>", "]]>", ">", "}-", "-{"};

/* Where MEMO_STRS[m] first lies inside [from, b), or -1, as find1, find2 or
 * find3 would say, from the memo of the last such search when it answers
 * (see Memo): a search from an opener that is not closed is not repeated
 * for the next one. */
static Py_ssize_t memo_find(Scan *s, int m, Py_ssize_t from, Py_ssize_t b) {
    Memo *k = &s->memo[m];
    const char *w = MEMO_STRS[m];
    Py_ssize_t len = (Py_ssize_t)strlen(w);
    if (!(k->from <= from && (k->at < 0 || k->at >= from))) {
        k->from = from;
        k->at = len == 1 ? find1(s, (Py_UCS4)w[0], from, s->n)
              : len == 2 ? find2(s, (Py_UCS4)w[0], (Py_UCS4)w[1], from, s->n)
                         : find3(s, w, from, s->n);
        k->end = k->at < 0 ? -1 : k->at + len;
    }
    return (k->at >= 0 && k->end <= b) ? k->at : -1;
}

static void memo_reset(Scan *s) {
    for (int m = 0; m < M_RAW + N_RAW_TAGS; m++)
        s->memo[m].from = PY_SSIZE_T_MAX;
}

/* src[at:] starts with ASCII `word` (exactly, or ignoring ASCII case), inside end. */
static int starts(Scan *s, Py_ssize_t at, Py_ssize_t end, const char *word, int icase) {
    for (; *word; word++, at++) {
        if (at >= end)
            return 0;
        Py_UCS4 c = CH(at);
        if (icase ? !ci_eq(c, (Py_UCS4)*word) : c != (Py_UCS4)*word)
            return 0;
    }
    return 1;
}

/* src[at:] starts with the code points of `word`, inside end. */
static int starts_u(Scan *s, Py_ssize_t at, Py_ssize_t end, const Py_UCS4 *word, int icase) {
    for (; *word; word++, at++) {
        if (at >= end)
            return 0;
        Py_UCS4 c = CH(at);
        if (icase ? !ci_eq(c, *word) : c != *word)
            return 0;
    }
    return 1;
}

static Py_ssize_t skip_st(Scan *s, Py_ssize_t i, Py_ssize_t end) {
    while (i < end && is_st(CH(i)))
        i++;
    return i;
}

static Py_ssize_t skip_stn(Scan *s, Py_ssize_t i, Py_ssize_t end) {
    while (i < end && is_stn(CH(i)))
        i++;
    return i;
}

/* ----------------------------------------------------------- inline scanner */

/* The characters _NEXT finds, with its look-behind conditions. */
static inline int candidate(Scan *s, Py_ssize_t p, Py_ssize_t b, Py_UCS4 c) {
    switch (c) {
    case '\\': case '`': case '<': case '[': case ']': case '*': case '_': case '~': case '&':
        return 1;
    case '-':
        return p + 1 < b && CH(p + 1) == '{';
    case ':':
        return p + 2 < b && CH(p + 1) == '/' && CH(p + 2) == '/';
    case 'w':
        return p + 3 < b && CH(p + 1) == 'w' && CH(p + 2) == 'w' && CH(p + 3) == '.';
    case '!':
        return p + 1 < b && CH(p + 1) == '[';
    }
    return 0;
}

/* \((?:[^\s()\\]++|\\.|\( ... \))*+\) at i (src[i] == '('); nested: one more
 * level allowed inside.  Returns the end or -1. */
static Py_ssize_t dest_paren(Scan *s, Py_ssize_t i, Py_ssize_t b, int nested) {
    i++;
    while (i < b) {
        Py_UCS4 c = CH(i);
        if (c == ')')
            return i + 1;
        if (c == '\\') {
            if (i + 1 >= b)
                return -1;
            i += 2;
        } else if (c == '(') {
            if (!nested)
                return -1;
            Py_ssize_t r = dest_paren(s, i, b, 0);
            if (r < 0)
                return -1;
            i = r;
        } else if (is_ctl_sp(c)) {
            return -1;
        } else {
            i++;
        }
    }
    return -1;
}

/* "(?:[^"\\]++|\\.)*+" and its ' and ( ) forms; returns the end or -1. */
static Py_ssize_t dest_title(Scan *s, Py_ssize_t i, Py_ssize_t b) {
    Py_UCS4 open = CH(i), close = open == '(' ? ')' : open;
    if (open != '(') { /* only the quote and backslashes matter */
        for (i++; (i = find_either(s->b, i, b, (unsigned char)close, '\\')) < b; i += 2)
            if (CH(i) == close)
                return i + 1;
        return -1;
    }
    for (i++; i < b;) {
        Py_UCS4 c = CH(i);
        if (c == close)
            return i + 1;
        if (c == '\\') {
            if (i + 1 >= b)
                return -1;
            i += 2;
        } else if (open == '(' && c == '(') {
            return -1;
        } else {
            i++;
        }
    }
    return -1;
}

/* (?:[ \t\n]++ title)?+ [ \t\n]*+ \)  after a destination ending at i. */
static Py_ssize_t dest_tail(Scan *s, Py_ssize_t i, Py_ssize_t b) {
    Py_ssize_t j = skip_stn(s, i, b);
    if (j > i && j < b) {
        Py_UCS4 c = CH(j);
        if (c == '"' || c == '\'' || c == '(') {
            Py_ssize_t t = dest_title(s, j, b);
            if (t >= 0)
                j = skip_stn(s, t, b);
        }
    }
    return (j < b && CH(j) == ')') ? j + 1 : -1;
}

/* inline_md._DEST matched at q (src[q] == '('); the end or -1. */
static Py_ssize_t dest(Scan *s, Py_ssize_t q, Py_ssize_t b) {
    if (q >= b || CH(q) != '(')
        return -1;
    Py_ssize_t i = skip_stn(s, q + 1, b);
    if (i < b && CH(i) == '<') { /* <(?:[^<>\n\\]++|\\.)*+> */
        Py_ssize_t j = i + 1;
        while (j < b) {
            Py_UCS4 c = CH(j);
            if (c == '>' || c == '<' || c == '\n')
                break;
            if (c == '\\') {
                if (j + 1 >= b)
                    break;
                j += 2;
            } else {
                j++;
            }
        }
        if (j < b && CH(j) == '>') {
            Py_ssize_t e = dest_tail(s, j + 1, b);
            if (e >= 0)
                return e;
        }
    }
    while (i < b) { /* (?:[^\s()\\]++|\\.|\(...\))*+ */
        i = skip_plain_dest(s->b, i, b);
        if (i >= b)
            break;
        Py_UCS4 c = CH(i);
        if (c == '\\') {
            if (i + 1 >= b)
                break;
            i += 2;
        } else if (c == '(') {
            Py_ssize_t r = dest_paren(s, i, b, 1);
            if (r < 0)
                break;
            i = r;
        } else if (c == ')' || is_ctl_sp(c)) {
            break;
        } else {
            i++;
        }
    }
    return dest_tail(s, i, b);
}

/* _SIMPLE_LINK at p: the end, with the label bounds, or -1. */
static Py_ssize_t simple_link(Scan *s, Py_ssize_t p, Py_ssize_t b, Py_ssize_t *ls, Py_ssize_t *le) {
    Py_ssize_t i = p;
    if (CH(i) == '!')
        i++;
    if (i >= b || CH(i) != '[')
        return -1;
    *ls = ++i;
    while ((i = next_special(s->b, i, b)) < b) { /* a label stops only at these */
        Py_UCS4 c = CH(i);
        if (c == '\\' || c == '`' || c == '<' || c == '[' || c == ']' || c == '*' || c == '_' ||
            c == '~' || c == '&')
            break;
        if ((c == '-' || c == ':' || c == 'w') && candidate(s, i, b, c))
            break;
        i++;
    }
    *le = i;
    if (i >= b || CH(i) != ']')
        return -1;
    return dest(s, i + 1, b);
}

/* _REF: \[(?:[^\[\]\\]|\\.){0,999}\] at q. */
static Py_ssize_t ref_label(Scan *s, Py_ssize_t q, Py_ssize_t b) {
    Py_ssize_t i = q + 1;
    for (int units = 0;; units++) {
        if (i >= b)
            return -1;
        Py_UCS4 c = CH(i);
        if (c == ']')
            return i + 1;
        if (units == 999 || c == '[')
            return -1;
        if (c == '\\') {
            if (i + 1 >= b)
                return -1;
            i += 2;
        } else {
            i++;
        }
    }
}

/* _CITE: \\\[[ \w.,\-]{1,16}\\\] at p. */
static Py_ssize_t cite(Scan *s, Py_ssize_t p, Py_ssize_t b) {
    if (p + 1 >= b || CH(p + 1) != '[')
        return -1;
    Py_ssize_t i = p + 2;
    int r = 0;
    while (i < b && r <= 16) {
        Py_UCS4 c = CH(i);
        if (!(c == ' ' || c == '.' || c == ',' || c == '-' || c == '_' ||
              (c < 128 ? is_alnum_a(c) : Py_UNICODE_ISALNUM(c))))
            break;
        i++;
        r++;
    }
    if (r >= 1 && r <= 16 && i + 1 < b && CH(i) == '\\' && CH(i + 1) == ']')
        return i + 2;
    return -1;
}

/* _AUTOLINK at p (src[p] == '<'). */
static Py_ssize_t autolink(Scan *s, Py_ssize_t p, Py_ssize_t b) {
    Py_ssize_t i = p + 1;
    if (i < b && is_alpha_a(CH(i))) {
        Py_ssize_t j = i + 1;
        while (j < b) {
            Py_UCS4 c = CH(j);
            if (!(is_alnum_a(c) || c == '+' || c == '.' || c == '-'))
                break;
            j++;
        }
        Py_ssize_t r = j - (i + 1);
        if (r >= 1 && r <= 31 && j < b && CH(j) == ':') {
            Py_ssize_t k = j + 1;
            while (k < b) {
                Py_UCS4 c = CH(k);
                if (is_ws(c) || c == '<' || c == '>')
                    break;
                k++;
            }
            if (k < b && CH(k) == '>')
                return k + 1;
        }
    }
    Py_ssize_t j = i;
    while (j < b) {
        Py_UCS4 c = CH(j);
        if (!(is_alnum_a(c) || (c < 128 && c && strchr(".!#$%&'*+/=?^_`{|}~-", (int)c))))
            break;
        j++;
    }
    if (j == i || j >= b || CH(j) != '@')
        return -1;
    Py_ssize_t k = j + 1;
    for (;;) {
        Py_ssize_t m = k;
        while (m < b && (is_alnum_a(CH(m)) || CH(m) == '-'))
            m++;
        if (m - k < 1 || m - k > 63 || !is_alnum_a(CH(k)) || !is_alnum_a(CH(m - 1)))
            return -1;
        if (m < b && CH(m) == '>')
            return m + 1;
        if (m < b && CH(m) == '.') {
            k = m + 1;
            continue;
        }
        return -1;
    }
}

/* An HTML open tag's attributes from k, after its name:
 * (?:WS+ name (?:WS*=WS* value)?)*, WS being [ \t\n] (inline_md._HTML) or,
 * without `newline`, [ \t] (markdown._HTML7).  Returns where they end, or -1
 * if a value after "=" does not parse: then neither regex can match (their
 * next step needs a tag end or another attribute, never "="). */
static Py_ssize_t tag_attributes(Scan *s, Py_ssize_t k, Py_ssize_t end, int newline) {
    for (;;) {
        Py_ssize_t m = newline ? skip_stn(s, k, end) : skip_st(s, k, end);
        if (m == k || m >= end)
            return k;
        Py_UCS4 a = CH(m);
        if (!(is_alpha_a(a) || a == '_' || a == ':'))
            return k;
        m++;
        while (m < end) {
            Py_UCS4 d = CH(m);
            if (!(is_alnum_a(d) || d == '_' || d == '.' || d == ':' || d == '-'))
                break;
            m++;
        }
        Py_ssize_t v = newline ? skip_stn(s, m, end) : skip_st(s, m, end);
        if (v < end && CH(v) == '=') {
            v = newline ? skip_stn(s, v + 1, end) : skip_st(s, v + 1, end);
            if (v >= end)
                return -1;
            Py_UCS4 q = CH(v);
            if (q == '\'' || q == '"') {
                Py_ssize_t e = find1(s, q, v + 1, end);
                if (e < 0)
                    return -1;
                m = e + 1;
            } else {
                Py_ssize_t e = v;
                while (e < end) {
                    Py_UCS4 d = CH(e);
                    if (is_ws(d) || d == '"' || d == '\'' || d == '=' || d == '<' || d == '>' || d == '`')
                        break;
                    e++;
                }
                if (e == v)
                    return -1;
                m = e;
            }
        }
        k = m;
    }
}

enum { H_NONE, H_COMMENT, H_OPEN, H_CLOSE, H_OTHER };

/* inline_md._HTML at p (src[p] == '<'): the end or -1; *what and the tag name. */
static Py_ssize_t html(Scan *s, Py_ssize_t p, Py_ssize_t b, int *what, Py_ssize_t *ns, Py_ssize_t *ne) {
    Py_ssize_t i = p + 1;
    if (i >= b)
        return -1;
    Py_UCS4 c = CH(i);
    if (c == '!') {
        if (starts(s, i, b, "!--", 0)) {
            Py_ssize_t j = i + 3;
            *what = H_COMMENT;
            if (j < b && CH(j) == '>')
                return j + 1;
            if (j + 1 < b && CH(j) == '-' && CH(j + 1) == '>')
                return j + 2;
            Py_ssize_t k = memo_find(s, M_COMMENT_END, j, b);
            return k < 0 ? -1 : k + 3;
        }
        *what = H_OTHER;
        if (i + 1 < b && is_alpha_a(CH(i + 1))) {
            Py_ssize_t k = memo_find(s, M_GT, i + 2, b);
            return k < 0 ? -1 : k + 1;
        }
        if (starts(s, i, b, "![CDATA[", 0)) {
            Py_ssize_t k = memo_find(s, M_CDATA_END, i + 8, b);
            return k < 0 ? -1 : k + 3;
        }
        return -1;
    }
    if (c == '?') {
        *what = H_OTHER;
        Py_ssize_t k = memo_find(s, M_PI_END, i + 1, b);
        return k < 0 ? -1 : k + 2;
    }
    if (c == '/') {
        Py_ssize_t j = i + 1;
        if (j >= b || !is_alpha_a(CH(j)))
            return -1;
        *ns = j;
        while (j < b && (is_alnum_a(CH(j)) || CH(j) == '-'))
            j++;
        *ne = j;
        j = skip_stn(s, j, b);
        if (j < b && CH(j) == '>') {
            *what = H_CLOSE;
            return j + 1;
        }
        return -1;
    }
    if (!is_alpha_a(c))
        return -1;
    Py_ssize_t j = i + 1;
    *ns = i;
    while (j < b && (is_alnum_a(CH(j)) || CH(j) == '-'))
        j++;
    *ne = j;
    Py_ssize_t k = tag_attributes(s, j, b, 1);
    if (k < 0)
        return -1;
    k = skip_stn(s, k, b);
    if (k < b && CH(k) == '/')
        k++;
    if (k < b && CH(k) == '>') {
        *what = H_OPEN;
        return k + 1;
    }
    return -1;
}

/* The index in `names` of the ASCII-lowercased src[a:b], or -1. */
static int name_index(Scan *s, Py_ssize_t a, Py_ssize_t b, const char **names) {
    for (int k = 0; names[k]; k++) {
        const char *w = names[k];
        if ((Py_ssize_t)strlen(w) == b - a && starts(s, a, b, w, 1))
            return k;
    }
    return -1;
}

/* The ASCII-lowercased src[a:b] is one of `names`. */
static int name_in(Scan *s, Py_ssize_t a, Py_ssize_t b, const char **names) {
    return name_index(s, a, b, names) >= 0;
}

/* _raw_close(name): </name[ \t\n]*> ignoring case, searched from e. */
static Py_ssize_t raw_close(Scan *s, Py_ssize_t ns, Py_ssize_t ne, Py_ssize_t e, Py_ssize_t b, Py_ssize_t *start) {
    Py_ssize_t len = ne - ns;
    for (Py_ssize_t k = e; (k = find2(s, '<', '/', k, b)) >= 0; k++) {
        Py_ssize_t j = k + 2, t;
        if (j + len > b)
            return -1;
        for (t = 0; t < len; t++)
            if (!ci_eq(CH(j + t), CH(ns + t)))
                break;
        if (t < len)
            continue;
        j = skip_stn(s, j + len, b);
        if (j < b && CH(j) == '>') {
            *start = k;
            return j + 1;
        }
    }
    return -1;
}

/* The memo m answers a search from `from`: it searched from no later, and
 * found nothing before `from` (nothing at all, or something at or after). */
static inline int memo_valid(const Memo *k, Py_ssize_t from) {
    return k->from <= from && (k->at < 0 || k->at >= from);
}

/* raw_close(ns, ne, e, b) for the raw tag `tag` (its index in RAW_TAGS),
 * remembered: the first close tag at or after e in the whole text ends
 * before b, or there is none before b. */
static Py_ssize_t raw_close_memo(Scan *s, int tag, Py_ssize_t ns, Py_ssize_t ne, Py_ssize_t e, Py_ssize_t b) {
    Memo *k = &s->memo[M_RAW + tag];
    if (!memo_valid(k, e)) {
        k->from = e;
        k->at = -1;
        k->end = raw_close(s, ns, ne, e, s->n, &k->at);
    }
    return (k->at >= 0 && k->end <= b) ? k->end : -1;
}

/* _ENTITY at p (src[p] == '&'). */
static Py_ssize_t entity(Scan *s, Py_ssize_t p, Py_ssize_t b) {
    Py_ssize_t i = p + 1;
    if (i >= b)
        return -1;
    if (CH(i) == '#') {
        Py_ssize_t j = i + 1;
        while (j < b && is_digit_a(CH(j)))
            j++;
        if (j - (i + 1) >= 1 && j - (i + 1) <= 7 && j < b && CH(j) == ';')
            return j + 1;
        if (i + 1 < b && (CH(i + 1) == 'x' || CH(i + 1) == 'X')) {
            j = i + 2;
            while (j < b) {
                Py_UCS4 c = CH(j);
                if (!(is_digit_a(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')))
                    break;
                j++;
            }
            if (j - (i + 2) >= 1 && j - (i + 2) <= 6 && j < b && CH(j) == ';')
                return j + 1;
        }
        return -1;
    }
    if (!is_alpha_a(CH(i)))
        return -1;
    Py_ssize_t j = i + 1;
    while (j < b && is_alnum_a(CH(j)))
        j++;
    if (j - (i + 1) >= 1 && j - (i + 1) <= 31 && j < b && CH(j) == ';')
        return j + 1;
    return -1;
}

/* inline_md.find_rule_end */
static Py_ssize_t rule_end(Scan *s, Py_ssize_t p, Py_ssize_t b) {
    int depth = 0;
    Py_ssize_t i = p;
    Py_ssize_t c = memo_find(s, M_RULE_CLOSE, i, b);
    while (c >= 0) {
        Py_ssize_t o = memo_find(s, M_RULE_OPEN, i, c + 1);
        if (o >= 0 && o < c) {
            if (++depth > MAX_NESTING)
                return -1;
            i = o + 2;
        } else {
            depth--;
            i = c + 2;
            if (depth == 0)
                return i;
        }
        if (c < i)
            c = memo_find(s, M_RULE_CLOSE, i, b);
    }
    return -1;
}

/* _TITLE_IN_DEST searched in [q, e): the title's bounds, or 0. */
static int title_in_dest(Scan *s, Py_ssize_t q, Py_ssize_t e, Py_ssize_t *ts, Py_ssize_t *te) {
    for (Py_ssize_t k = q; k + 1 < e; k++) {
        if (!is_stn(CH(k)))
            continue;
        Py_UCS4 quote = CH(k + 1);
        if (quote != '"' && quote != '\'')
            continue;
        Py_ssize_t m = k + 2;
        int closed = 0;
        while (m < e) {
            Py_UCS4 c = CH(m);
            if (c == quote) {
                closed = 1;
                break;
            }
            if (c == '\\') {
                if (m + 1 >= e)
                    break;
                m += 2;
            } else {
                m++;
            }
        }
        if (!closed)
            continue;
        Py_ssize_t r = skip_stn(s, m + 1, e);
        if (r + 1 == e && CH(r) == ')') {
            *ts = k + 2;
            *te = m;
            return 1;
        }
    }
    return 0;
}

/* _NS_LABEL.match(src, a, b) */
static int ns_label(Scan *s, Py_ssize_t a, Py_ssize_t b) {
    for (const Py_UCS4 **w = NS_NAMES; *w; w++) {
        if (!starts_u(s, a, b, *w, 1))
            continue;
        Py_ssize_t j = a;
        for (const Py_UCS4 *c = *w; *c; c++)
            j++;
        while (j < b && is_ws(CH(j)))
            j++;
        if (j < b && CH(j) == ':')
            return 1;
    }
    return 0;
}

/* inline_md._label_cut */
static Py_ssize_t label_cut(Scan *s, Py_ssize_t ls, Py_ssize_t le, Py_ssize_t q, Py_ssize_t e) {
    Py_ssize_t ts, te;
    if (has_fig(s->b, q, e) && title_in_dest(s, q, e, &ts, &te) && starts(s, ts, te, "fig:", 0))
        return le;
    if (find_either(s->b, ls, le, ':', ':') < le && ns_label(s, ls, le)) {
        Py_ssize_t bar = find1(s, '|', ls, le);
        return bar >= 0 ? bar + 1 : le;
    }
    return -1;
}

/* inline_md._tag_start */
static int tag_start(Scan *s, Py_ssize_t q, Py_ssize_t b) {
    if (q < b && CH(q) == '/')
        q++;
    return q < b && is_alpha_a(CH(q));
}

/* inline_md._footnote_ref */
static Py_ssize_t footnote_ref(Scan *s, Py_ssize_t p, Py_ssize_t b) {
    if (p + 1 >= b || CH(p + 1) != '^')
        return -1;
    Memo *k = &s->memo[M_LABEL_STOP]; /* the first "]" or space at or after p + 2 */
    if (!(k->from <= p + 2 && (k->at < 0 || k->at >= p + 2))) {
        Py_ssize_t j = p + 2;
        while (j < s->n && CH(j) != ']' && !is_ws(CH(j)))
            j++;
        k->from = p + 2;
        k->at = j < s->n ? j : -1;
    }
    Py_ssize_t j = k->at < 0 || k->at > b ? b : k->at;
    if (j == p + 2 || j - (p + 2) > 999 || j >= b || CH(j) != ']')
        return -1;
    j++;
    if (j < b && (CH(j) == '(' || CH(j) == '[' || CH(j) == ':'))
        return -1;
    return j;
}

/* inline_md._ref_label */
static void ref_label_spans(Scan *s, Py_ssize_t p, Py_ssize_t q, Py_ssize_t e) {
    if (e - q <= 2) {
        push(s, T_LINK_REF, p, e, 0, 1);
        return;
    }
    push(s, T_LINK_REF, p, q + 1, 0, 1);
    TEXT(q + 1, e - 1);
    push(s, T_LINK_REF, e - 1, e, 0, 1);
}

/* inline_md._make_link */
static void make_link(Scan *s, Opener o, Py_ssize_t p, Py_ssize_t q, Py_ssize_t e) {
    Span *op = &s->v[o.idx];
    op->type = o.image ? T_IMAGE_OPEN : T_LINK_OPEN;
    op->conv = 0;
    op->brk = 0;
    Py_ssize_t label = op->end;
    Py_ssize_t cut = label_cut(s, label, p, q, e);
    if (cut > label) {
        for (Py_ssize_t i = o.idx + 1; i < s->nv; i++) {
            Span *sp = &s->v[i];
            if (sp->start >= cut)
                break;
            if (sp->conv) {
                if (sp->end <= cut) {
                    sp->type = T_LINK_LABEL_NAME;
                    sp->conv = 0;
                    sp->brk = 0;
                } else {
                    Py_ssize_t end = sp->end;
                    sp->type = T_LINK_LABEL_NAME;
                    sp->conv = 0;
                    sp->brk = 0;
                    sp->end = cut;
                    insert_at(s, i + 1, T_TEXT, cut, end, 1);
                    break;
                }
            }
        }
    }
    push(s, T_LINK_TARGET, p, e, 0, 0);
}

static void deactivate_all(Scan *s) {
    for (Py_ssize_t k = 0; k < s->ns; k++)
        s->stack[k].active = 0;
}

/* _flanking: CommonMark left/right-flanking of the delimiter run [p, q). */
static void flanking(Scan *s, Py_ssize_t a, Py_ssize_t b, Py_ssize_t p, Py_ssize_t q, int *left,
                     int *right) {
    Py_UCS4 before = p > a ? CH(p - 1) : ' ';
    Py_UCS4 after = q < b ? CH(q) : ' ';
    int bs = is_ws(before), as = is_ws(after);
    int bp = !bs && is_punct(s, before);
    int ap = !as && is_punct(s, after);
    *left = !as && (!ap || bs || bp);
    *right = !bs && (!bp || as || ap);
}

/* http, https or ftp (any case) ending at p, or at p - 1 before a newline
 * there: _SCHEME.search(src, s0, p) (``$`` also matches before a final
 * newline).  The match start, or -1. */
static Py_ssize_t scheme(Scan *s, Py_ssize_t s0, Py_ssize_t p) {
    for (Py_ssize_t k = s0; k < p; k++) {
        Py_ssize_t ends[2];
        int ne = 0;
        if (starts(s, k, p, "http", 1)) {
            if (k + 4 < p && ci_eq(CH(k + 4), 's'))
                ends[ne++] = k + 5;
            ends[ne++] = k + 4;
        } else if (starts(s, k, p, "ftp", 1)) {
            ends[ne++] = k + 3;
        }
        for (int t = 0; t < ne; t++)
            if (ends[t] == p || (ends[t] == p - 1 && CH(p - 1) == '\n'))
                return k;
    }
    return -1;
}

/* Whether text[a:b) holds both characters of some pair of s->quiet (the
 * slow half of may_change, for text with an anchor in it). */
static int pairs_met(Scan *s, Py_ssize_t a, Py_ssize_t b) {
    const Quiet *q = s->quiet;
    uint32_t *seen = s->seen, epoch = ++s->epoch;
    Py_ssize_t npresent = 0;
    if (!epoch) { /* wrapped: no stamp may equal a later epoch */
        memset(seen, 0, (size_t)s->capseen * sizeof *seen);
        epoch = s->epoch = 1;
    }
    for (Py_ssize_t i = a; i < b; i++) {
        Py_UCS4 c = CH(i);
        unsigned v = c < QUIET_BMP ? q->table[c] : 0;
        if (v && v != QUIET_ACTIVE && seen[v] != epoch) {
            seen[v] = epoch;
            s->present[npresent++] = (uint16_t)v;
        }
    }
    for (Py_ssize_t k = 0; k < npresent; k++) {
        unsigned v = s->present[k];
        for (uint32_t j = q->offsets[v - 1]; j < q->offsets[v]; j++)
            if (seen[q->partners[j]] == epoch)
                return 1;
    }
    return 0;
}

/* Whether the chain of s->quiet may change text made of text[a:b)'s
 * characters (0: it certainly cannot): an active character, or both
 * characters of a pair (see zhnorm/quiet.py).  ASCII is never either, so
 * blocks of ASCII alone are skipped; the rest is looked up in two bitmaps
 * that fit the L1 cache, with no branch per character. */
static int may_change(Scan *s, Py_ssize_t a, Py_ssize_t b) {
    const Quiet *q = s->quiet;
    uint64_t active = 0, pair = 0;
    Py_UCS4 high = 0; /* above the BMP: counts as active */
    for (Py_ssize_t i = a; i < b; i += 16) {
#ifdef __SSE2__
        if (!_mm_movemask_epi8(_mm_loadu_si128((const __m128i *)(s->b + i))))
            continue; /* sixteen ASCII characters (a load past b only adds work) */
#endif
        Py_ssize_t e = i + 16 < b ? i + 16 : b;
        for (Py_ssize_t j = i; j < e; j++) {
            Py_UCS4 c = CH(j);
            high |= c;
            c &= QUIET_BMP - 1;
            active |= q->active_bits[c >> 6] >> (c & 63);
            pair |= q->pair_bits[c >> 6] >> (c & 63);
        }
        if ((active & 1) | (high >= QUIET_BMP))
            return 1;
    }
    return (pair & 1) && pairs_met(s, a, b);
}

static void scan_inline(Scan *s, Py_ssize_t a, Py_ssize_t b) {
    Py_ssize_t pos = a, tstart = a;
    /* text the chain cannot change: no prose to find (the spans between
     * two calls break the prose, so it was a segment of its own) */
    if (s->quiet && !may_change(s, a, b))
        return;
    s->ns = 0;
    while (pos < b && !s->failed) {
        Py_ssize_t p = pos;
        Py_UCS4 ch = 0;
        for (; (p = next_special(s->b, p, b)) < b; p++) {
            ch = CH(p);
            if (candidate(s, p, b, ch))
                break;
        }
        if (p >= b)
            break;
        Py_ssize_t q = p + 1;
        Py_ssize_t fe = ch == '[' ? footnote_ref(s, p, b) : -1;
        if (fe >= 0) {
            if (p > tstart)
                TEXT(tstart, p);
            push(s, T_FOOTNOTE_REF, p, fe, 0, 0);
            pos = tstart = fe;
        } else if (ch == '[' || ch == '!') {
            Py_ssize_t ls, le;
            Py_ssize_t e = simple_link(s, p, b, &ls, &le);
            if (e >= 0) {
                if (p > tstart)
                    TEXT(tstart, p);
                push(s, ch == '[' ? T_LINK_OPEN : T_IMAGE_OPEN, p, ls, 0, 0);
                if (le > ls) {
                    Py_ssize_t cut = -1;
                    cut = label_cut(s, ls, le, le + 1, e);
                    if (cut > ls) {
                        push(s, T_LINK_LABEL_NAME, ls, cut, 0, 0);
                        if (cut < le)
                            TEXT(cut, le);
                    } else {
                        TEXT(ls, le);
                    }
                }
                push(s, T_LINK_TARGET, le, e, 0, 0);
                if (s->ns && ch == '[')
                    deactivate_all(s);
                pos = tstart = e;
                continue;
            }
            if (ch == '!')
                q++;
            if (p > tstart)
                TEXT(tstart, p);
            if (grow((void **)&s->stack, &s->caps, s->ns + 1, sizeof(Opener)) < 0) {
                s->failed = 1;
                return;
            }
            s->stack[s->ns].idx = s->nv;
            s->stack[s->ns].image = ch == '!';
            s->stack[s->ns].active = 1;
            s->ns++;
            TEXT(p, q); /* provisional */
            pos = tstart = q;
        } else if (ch == '\\') {
            Py_ssize_t e = cite(s, p, b);
            if (e >= 0) {
                if (p > tstart)
                    TEXT(tstart, p);
                push(s, T_CITATION, p, e, 0, 0);
                pos = tstart = e;
            } else if (q < b && is_ascii_punct(CH(q))) {
                if (p > tstart)
                    TEXT(tstart, p);
                push(s, T_ESCAPE, p, q + 1, 0, 1);
                pos = tstart = q + 1;
            } else {
                pos = q;
            }
        } else if (ch == ']') {
            int have = s->ns > 0;
            Opener o = {0, 0, 0};
            if (have)
                o = s->stack[--s->ns];
            Py_ssize_t dm = (q < b && CH(q) == '(') ? dest(s, q, b) : -1;
            if (have && o.active) {
                if (dm >= 0) {
                    if (p > tstart)
                        TEXT(tstart, p);
                    make_link(s, o, p, q, dm);
                    if (!o.image)
                        deactivate_all(s);
                    pos = tstart = dm;
                    continue;
                }
                Py_ssize_t rm = (q < b && CH(q) == '[') ? ref_label(s, q, b) : -1;
                if (rm >= 0) {
                    if (p > tstart)
                        TEXT(tstart, p);
                    Span *op = &s->v[o.idx];
                    op->type = o.image ? T_IMAGE_OPEN : T_LINK_OPEN;
                    op->conv = 0;
                    op->brk = 0;
                    ref_label_spans(s, p, q, rm);
                    pos = tstart = rm;
                    continue;
                }
                pos = q;
            } else if (dm >= 0) {
                if (p > tstart)
                    TEXT(tstart, p);
                push(s, T_LINK_TARGET, p, dm, 0, 0);
                pos = tstart = dm;
            } else {
                pos = q;
            }
        } else if (ch == '`') {
            Py_ssize_t r = p;
            while (r < b && CH(r) == '`')
                r++;
            Py_ssize_t len = r - p, found = -1;
            for (Py_ssize_t k = r; k < b;) { /* a run of exactly len backticks */
                if (CH(k) != '`') {
                    k++;
                    continue;
                }
                Py_ssize_t m = k;
                while (m < b && CH(m) == '`')
                    m++;
                if (m - k == len) {
                    found = m;
                    break;
                }
                k = m;
            }
            if (found < 0) {
                pos = r;
                continue;
            }
            if (p > tstart)
                TEXT(tstart, p);
            push(s, T_CODE_INLINE, p, found, 0, 1);
            pos = tstart = found;
        } else if (ch == '<') {
            Py_ssize_t e = autolink(s, p, b);
            if (e >= 0) {
                if (p > tstart)
                    TEXT(tstart, p);
                push(s, T_AUTOLINK, p, e, 0, 1);
                pos = tstart = e;
                continue;
            }
            int what = H_NONE;
            Py_ssize_t ns = 0, ne = 0;
            e = html(s, p, b, &what, &ns, &ne);
            if (e < 0 && s->html_block && tag_start(s, q, b)) { /* a tag as a browser reads it */
                Py_ssize_t gt = memo_find(s, M_GT, q, b);
                if (gt >= 0) {
                    if (p > tstart)
                        TEXT(tstart, p);
                    push(s, T_HTML_TAG, p, gt + 1, 0, 1);
                    pos = tstart = gt + 1;
                    continue;
                }
            }
            if (e < 0) {
                pos = q;
                continue;
            }
            if (p > tstart)
                TEXT(tstart, p);
            if (what == H_OPEN) {
                int raw = name_index(s, ns, ne, RAW_TAGS);
                if (raw >= 0 && !(CH(e - 2) == '/' && CH(e - 1) == '>')) {
                    Py_ssize_t c = raw_close_memo(s, raw, ns, ne, e, b);
                    if (c >= 0) {
                        push(s, T_HTML_RAW, p, c, 0, 1);
                        pos = tstart = c;
                        continue;
                    }
                }
                push(s, T_HTML_TAG, p, e, 0, !name_in(s, ns, ne, JOIN_TAGS));
            } else if (what == H_CLOSE) {
                push(s, T_HTML_TAG, p, e, 0, !name_in(s, ns, ne, JOIN_TAGS));
            } else if (starts(s, p, s->n, "<!--", 0)) {
                push(s, T_HTML_COMMENT, p, e, 0, 0);
            } else {
                push(s, T_HTML_OTHER, p, e, 0, 1);
            }
            pos = tstart = e;
        } else if (ch == '-') {
            Py_ssize_t e = rule_end(s, p, b);
            if (e < 0) {
                pos = q + 1;
                continue;
            }
            if (p > tstart)
                TEXT(tstart, p);
            push(s, T_CONV_RULE, p, e, 0, 1);
            s->nrules++;
            pos = tstart = e;
        } else if (ch == ':' || ch == 'w') {
            Py_ssize_t u0, ub;
            if (ch == ':') {
                if (q + 2 >= b) {
                    pos = q;
                    continue;
                }
                Py_ssize_t s0 = p - 5 > tstart ? p - 5 : tstart;
                u0 = scheme(s, s0, p);
                if (u0 < 0) {
                    pos = q;
                    continue;
                }
                ub = q + 2;
            } else {
                if (q + 3 >= b) {
                    pos = q;
                    continue;
                }
                u0 = p;
                ub = q + 3;
            }
            if (u0 > a) {
                Py_UCS4 c = CH(u0 - 1);
                if (c < 128 && (is_alnum_a(c) || c == '.' || c == '+' || c == '-')) {
                    pos = q;
                    continue;
                }
            }
            Py_UCS4 cb = CH(ub);
            if (is_ws(cb) || cb == '<' || cb == '>') {
                pos = q;
                continue;
            }
            Py_ssize_t e = ub;
            while (e < b) {
                Py_UCS4 c = CH(e);
                if (is_ws(c) || c == '<' || c == '>' || c == '`' || (c >= 0x3000 && c <= 0x303f) ||
                    (c >= 0xff00 && c <= 0xffef))
                    break;
                e++;
            }
            while (e > ub && CH(e - 1) < 128 && CH(e - 1) && strchr(URL_TRAIL, (int)CH(e - 1)))
                e--;
            while (e > ub && CH(e - 1) == ')') {
                Py_ssize_t open = 0, close = 0;
                for (Py_ssize_t k = u0; k < e; k++) {
                    Py_UCS4 c = CH(k);
                    open += c == '(';
                    close += c == ')';
                }
                if (open >= close)
                    break;
                e--;
            }
            if (u0 > tstart)
                TEXT(tstart, u0);
            push(s, T_URL, u0, e, 0, 1);
            pos = tstart = e;
        } else if (ch == '&') {
            Py_ssize_t e = entity(s, p, b);
            if (e < 0) {
                pos = q;
                continue;
            }
            if (p > tstart)
                TEXT(tstart, p);
            push(s, T_ENTITY, p, e, 0, 1);
            pos = tstart = e;
        } else { /* * _ ~ */
            Py_ssize_t r = p;
            while (r < b && CH(r) == ch)
                r++;
            if (ch == '~' && r - p < 2) {
                pos = q;
                continue;
            }
            q = r;
            int left, right, ok;
            flanking(s, a, b, p, q, &left, &right);
            if (ch == '_')
                ok = (left && (!right || (p > a && is_punct(s, CH(p - 1))))) ||
                     (right && (!left || (q < b && is_punct(s, CH(q)))));
            else
                ok = left || right;
            if (ok) {
                if (p > tstart)
                    TEXT(tstart, p);
                push(s, T_EMPHASIS, p, q, 0, 0);
                tstart = q;
            }
            pos = q;
        }
    }
    if (b > tstart)
        TEXT(tstart, b);
}

/* ------------------------------------------------------------ block scanner */

#define LS(i) (s->starts[(i)])
#define LE(i) (s->starts[(i) + 1] - 1)

static Py_ssize_t line_end(Scan *s, Py_ssize_t i) { return LE(i) + 1 < s->n ? LE(i) + 1 : s->n; }

/* markdown._blank: only spaces, tabs and \r in [a, b). */
static int all_space(Scan *s, Py_ssize_t a, Py_ssize_t b) {
    for (; a < b; a++)
        if (!is_st(CH(a)) && CH(a) != '\r')
            return 0;
    return 1;
}

static int indent(Scan *s, Py_ssize_t a, Py_ssize_t b) {
    int n = 0;
    for (; a < b; a++) {
        Py_UCS4 c = CH(a);
        if (c == ' ')
            n++;
        else if (c == '\t')
            n += 4 - n % 4;
        else
            break;
    }
    return n;
}

/* [ \t]{0,3} then one of `chars` at the line start (how most block regexes
 * begin): the position of that character, or -1. */
static Py_ssize_t lead(Scan *s, Py_ssize_t ls, Py_ssize_t le, const char *chars) {
    Py_ssize_t k = skip_st(s, ls, le);
    if (k - ls > 3 || k >= le || CH(k) == 0 || CH(k) >= 128 || !strchr(chars, (int)CH(k)))
        return -1;
    return k;
}

/* Python's _FENCE closer: [ \t]*c{len,}[ \t]*$ */
static int fence_closer(Scan *s, Py_ssize_t ls, Py_ssize_t le, Py_UCS4 c, Py_ssize_t len) {
    Py_ssize_t k = skip_st(s, ls, le), r = k;
    while (r < le && CH(r) == c)
        r++;
    return r - k >= len && skip_st(s, r, le) == le;
}

/* markdown._columns: the column after the spaces and tabs from i (at column col). */
static Py_ssize_t columns(Scan *s, Py_ssize_t i, Py_ssize_t le, Py_ssize_t col) {
    for (; i < le && is_st(CH(i)); i++)
        col = CH(i) == '\t' ? col + 4 - col % 4 : col + 1;
    return col;
}

/* markdown._col_at: the column of text[i] in the line starting at ls. */
static Py_ssize_t col_at(Scan *s, Py_ssize_t ls, Py_ssize_t i) {
    Py_ssize_t col = 0;
    for (Py_ssize_t t = ls; t < i; t++)
        col = CH(t) == '\t' ? col + 4 - col % 4 : col + 1;
    return col;
}

/* markdown._fence: 1 if a code fence opens at [pos, le), with its
 * character and length (for fence_closer). */
static int fence_at(Scan *s, Py_ssize_t pos, Py_ssize_t le, Py_UCS4 *fc, Py_ssize_t *flen) {
    Py_ssize_t f = skip_st(s, pos, le);
    Py_UCS4 c = f < le ? CH(f) : 0;
    if (c != '`' && c != '~')
        return 0;
    Py_ssize_t r = f;
    while (r < le && CH(r) == c)
        r++;
    if (r - f < 3 || (c == '`' && find1(s, '`', r, le) >= 0))
        return 0;
    *fc = c;
    *flen = r - f;
    return 1;
}

/* _ATX: the end of the match, or -1. */
static Py_ssize_t atx(Scan *s, Py_ssize_t ls, Py_ssize_t le) {
    Py_ssize_t k = lead(s, ls, le, "#");
    if (k < 0)
        return -1;
    Py_ssize_t h = k;
    while (h < le && CH(h) == '#')
        h++;
    if (h - k > 6)
        return -1;
    if (h == le)
        return h;
    if (!is_st(CH(h)))
        return -1;
    return skip_st(s, h, le);
}

/* _ATX_CLOSE.search(line, start): where the closing sequence starts. */
static Py_ssize_t atx_close(Scan *s, Py_ssize_t ls, Py_ssize_t le, Py_ssize_t start) {
    Py_ssize_t t = le;
    while (t > ls && is_st(CH(t - 1)))
        t--;
    Py_ssize_t h = t;
    while (h > ls && CH(h - 1) == '#')
        h--;
    if (h < t) {
        Py_ssize_t w = h;
        while (w > ls && is_st(CH(w - 1)))
            w--;
        if (w < h) {
            Py_ssize_t p = w > start ? w : start;
            if (p < h)
                return p;
        }
    }
    return t > start ? t : start;
}

/* _HTML1.match(line) */
static int html1(Scan *s, Py_ssize_t ls, Py_ssize_t le) {
    Py_ssize_t k = lead(s, ls, le, "<");
    if (k < 0)
        return 0;
    for (const char **w = HTML1_NAMES; *w; w++) {
        if (!starts(s, k + 1, le, *w, 1))
            continue;
        Py_ssize_t f = k + 1 + (Py_ssize_t)strlen(*w);
        if (f == le || is_ws(CH(f)) || CH(f) == '>')
            return 1;
    }
    return 0;
}

/* _HTML6.match(line) */
static int html6(Scan *s, Py_ssize_t ls, Py_ssize_t le) {
    Py_ssize_t k = lead(s, ls, le, "<");
    if (k < 0)
        return 0;
    k++;
    if (k < le && CH(k) == '/')
        k++;
    Py_ssize_t e = k; /* the names' letters, re.IGNORECASE's extra ones included */
    while (e < le && (is_alnum_a(CH(e)) || is_icase_extra(CH(e))))
        e++;
    if (e == k || !name_in(s, k, e, HTML6_NAMES))
        return 0;
    return e == le || is_ws(CH(e)) || CH(e) == '>' || (CH(e) == '/' && e + 1 < le && CH(e + 1) == '>');
}

/* _HTML7.match(line): one whole open or closing tag on the line. */
static int html7(Scan *s, Py_ssize_t ls, Py_ssize_t le) {
    Py_ssize_t k = lead(s, ls, le, "<");
    if (k < 0)
        return 0;
    k++;
    int closing = k < le && CH(k) == '/';
    if (closing)
        k++;
    if (k >= le || !is_alpha_a(CH(k)))
        return 0;
    while (k < le && (is_alnum_a(CH(k)) || CH(k) == '-'))
        k++;
    if (closing) {
        k = skip_st(s, k, le);
        if (k >= le || CH(k) != '>')
            return 0;
        return skip_st(s, k + 1, le) == le;
    }
    k = tag_attributes(s, k, le, 0);
    if (k < 0)
        return 0;
    k = skip_st(s, k, le);
    if (k < le && CH(k) == '/')
        k++;
    if (k >= le || CH(k) != '>')
        return 0;
    return skip_st(s, k + 1, le) == le;
}

/* markdown._html_block_end: index of the last line of the HTML block
 * starting at line i, or -1; *tail: where its end marker ends, or -1. */
static Py_ssize_t html_block_end(Scan *s, Py_ssize_t i, int in_para, Py_ssize_t *tail) {
    Py_ssize_t ls = LS(i), le = LE(i);
    *tail = -1;
    Py_ssize_t k = skip_st(s, ls, le);
    if (k - ls > 3)
        return -1;
    int kind = 0; /* 1: </script|pre|style|textarea>, 2: "-->", 3: "?>", 4: "]]>", 5: ">" */
    Py_ssize_t skip = 0;
    if (html1(s, ls, le)) {
        kind = 1;
    } else if (starts(s, k, le, "<!--", 0)) {
        kind = 2;
        skip = k - ls + 4;
    } else if (starts(s, k, le, "<?", 0)) {
        kind = 3;
        skip = k - ls + 2;
    } else if (starts(s, k, le, "<![CDATA[", 0)) {
        kind = 4;
        skip = k - ls + 9;
    } else if (starts(s, k, le, "<!", 0) && k + 2 < le && Py_UNICODE_ISALPHA(CH(k + 2))) {
        kind = 5;
    }
    if (kind) {
        for (Py_ssize_t j = i; j < s->nlines; j++) {
            Py_ssize_t a = LS(j) + (j == i ? skip : 0), b = LE(j);
            Py_ssize_t f = -1;
            if (kind == 1) {
                for (Py_ssize_t t = a; t + 1 < b && f < 0; t++) {
                    if (CH(t) != '<' || CH(t + 1) != '/')
                        continue;
                    for (const char **w = HTML1_NAMES; *w; w++) {
                        Py_ssize_t len = (Py_ssize_t)strlen(*w);
                        if (starts(s, t + 2, b, *w, 1) && t + 2 + len < b && CH(t + 2 + len) == '>') {
                            f = t;
                            *tail = t + 3 + len;
                            break;
                        }
                    }
                }
            } else if (kind == 2) {
                f = find3(s, "-->", a, b);
                *tail = f + 3;
            } else if (kind == 3) {
                f = find2(s, '?', '>', a, b);
                *tail = f + 2;
            } else if (kind == 4) {
                f = find3(s, "]]>", a, b);
                *tail = f + 3;
            } else {
                f = find1(s, '>', a, b);
                *tail = f + 1;
            }
            if (f >= 0)
                return j;
            *tail = -1;
        }
        return s->nlines - 1;
    }
    if (html6(s, ls, le) || (!in_para && html7(s, ls, le))) {
        Py_ssize_t j = i;
        while (j + 1 < s->nlines && !all_space(s, LS(j + 1), LE(j + 1)))
            j++;
        return j;
    }
    return -1;
}

/* _TABLE_DELIM.match(line) */
static int table_delim(Scan *s, Py_ssize_t ls, Py_ssize_t le) {
    Py_ssize_t k = skip_st(s, ls, le);
    if (k < le && CH(k) == '|')
        k++;
    int cells = 0;
    for (;;) {
        Py_ssize_t c = skip_st(s, k, le);
        if (c < le && CH(c) == ':')
            c++;
        Py_ssize_t d = c;
        while (d < le && CH(d) == '-')
            d++;
        if (d == c)
            break;
        if (d < le && CH(d) == ':')
            d++;
        k = skip_st(s, d, le);
        cells++;
        if (k < le && CH(k) == '|' && cells) {
            /* another cell, or the closing pipe */
            Py_ssize_t save = k;
            k++;
            Py_ssize_t c2 = skip_st(s, k, le);
            if (c2 < le && CH(c2) == ':')
                c2++;
            if (c2 < le && CH(c2) == '-')
                continue;
            k = save + 1; /* \|? */
            break;
        }
        break;
    }
    if (!cells)
        return 0;
    return skip_st(s, k, le) == le;
}

/* _FOOTNOTE_DEF.match(line): the end, or -1. */
static Py_ssize_t footnote_def(Scan *s, Py_ssize_t ls, Py_ssize_t le) {
    Py_ssize_t k = lead(s, ls, le, "[");
    if (k < 0 || !starts(s, k, le, "[^", 0))
        return -1;
    Py_ssize_t j = k + 2;
    while (j < le && CH(j) != ']' && !is_ws(CH(j)))
        j++;
    if (j == k + 2 || !starts(s, j, le, "]:", 0))
        return -1;
    j += 2;
    if (j < le && is_st(CH(j)))
        j++;
    return j;
}

/* markdown._line_rest_blank: where the line ends if only spaces, tabs or
 * \r follow i on it, else -1. */
static Py_ssize_t line_rest_blank(Scan *s, Py_ssize_t i, Py_ssize_t n) {
    while (i < n && (is_st(CH(i)) || CH(i) == '\r'))
        i++;
    return (i >= n || CH(i) == '\n') ? i : -1;
}

/* markdown._blank_after */
static int blank_after(Scan *s, Py_ssize_t nl, Py_ssize_t n) { return line_rest_blank(s, nl + 1, n) >= 0; }

/* markdown._skip_one_newline */
static Py_ssize_t skip_one_newline(Scan *s, Py_ssize_t i, Py_ssize_t n) {
    i = skip_st(s, i, n);
    if (i < n && CH(i) == '\n')
        i = skip_st(s, i + 1, n);
    return i;
}

/* markdown._link_def: 1 with the label's bounds and the end of the
 * definition's last line, or 0. */
static int link_def(Scan *s, Py_ssize_t a, Py_ssize_t n, Py_ssize_t *lab, Py_ssize_t *lab_end, Py_ssize_t *end) {
    Py_ssize_t i = skip_st(s, a, n);
    if (i - a > 3 || i >= n || CH(i) != '[')
        return 0;
    Py_ssize_t l = i + 1, j = l;
    for (;;) {
        if (j >= n || CH(j) == '[' || j - l > 999)
            return 0;
        Py_UCS4 c = CH(j);
        if (c == ']')
            break;
        if (c == '\\' && j + 1 < n && CH(j + 1) != '\n') {
            j += 2;
            continue;
        }
        if (c == '\n' && blank_after(s, j, n))
            return 0;
        j++;
    }
    int filled = 0;
    for (Py_ssize_t k = l; k < j && !filled; k++)
        filled = !is_stn(CH(k));
    if (!filled || j + 1 >= n || CH(j + 1) != ':')
        return 0;
    i = skip_one_newline(s, j + 2, n);
    if (i < n && CH(i) == '<') {
        i++;
        while (i < n && CH(i) != '<' && CH(i) != '>' && CH(i) != '\n')
            i += (CH(i) == '\\' && i + 1 < n && CH(i + 1) != '\n') ? 2 : 1;
        if (i >= n || CH(i) != '>')
            return 0;
        i++;
    } else {
        Py_ssize_t start = i, depth = 0;
        while (i < n) {
            Py_UCS4 c = CH(i);
            if (is_ctl_sp(c))
                break;
            if (c == '\\' && i + 1 < n && CH(i + 1) > ' ') {
                i += 2;
                continue;
            }
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                if (!depth)
                    break;
                depth--;
            }
            i++;
        }
        if (i == start || depth)
            return 0;
    }
    Py_ssize_t dest_end = i, dest_eol = line_rest_blank(s, dest_end, n);
    Py_ssize_t t = skip_one_newline(s, dest_end, n);
    if (dest_end < t && t < n && (CH(t) == '"' || CH(t) == '\'' || CH(t) == '(')) {
        Py_UCS4 close = CH(t) == '(' ? ')' : CH(t);
        Py_ssize_t u = t + 1;
        while (u < n && CH(u) != close) {
            Py_UCS4 c = CH(u);
            if (c == '(' && close == ')')
                break;
            if (c == '\n' && blank_after(s, u, n))
                break;
            u += (c == '\\' && u + 1 < n) ? 2 : 1;
        }
        if (u < n && CH(u) == close) {
            Py_ssize_t eol = line_rest_blank(s, u + 1, n);
            if (eol >= 0) {
                *lab = l;
                *lab_end = j;
                *end = eol;
                return 1;
            }
        }
    }
    if (dest_eol >= 0) {
        *lab = l;
        *lab_end = j;
        *end = dest_eol;
        return 1;
    }
    return 0;
}

/* markdown._emit_link_def */
static void emit_link_def(Scan *s, Py_ssize_t ls, Py_ssize_t lab, Py_ssize_t lab_end, Py_ssize_t end) {
    push(s, T_LINK_DEF, ls, lab, 0, 1);
    if (lab_end > lab)
        scan_inline(s, lab, lab_end);
    push(s, T_LINK_DEF, lab_end, end, 0, 1);
}

static void table_row(Scan *s, Py_ssize_t a, Py_ssize_t b) {
    Py_ssize_t pos = a;
    for (Py_ssize_t p = a; (p = find_either(s->b, p, b, '|', '|')) < b; p++) {
        if (p > 0 && CH(p - 1) == '\\')
            continue;
        if (p > pos)
            scan_inline(s, pos, p);
        push(s, T_TABLE_PIPE, p, p + 1, 0, 1);
        pos = p + 1;
    }
    if (b > pos)
        scan_inline(s, pos, b);
}

enum { P_BLANK, P_PARA, P_OTHER };

/* markdown._close_items */
static void close_items(Scan *s, Py_ssize_t ind) {
    while (s->nl && s->lists[s->nl - 1] > ind)
        s->nl--;
}

/* markdown._quote_prose for the content [a, le) of a quote line. */
static int quote_prose(Scan *s, Py_ssize_t a, Py_ssize_t le) {
    if (all_space(s, a, le))
        return 0;
    return !(atx(s, a, le) >= 0 || html1(s, a, le) || html6(s, a, le) || starts(s, skip_st(s, a, le), le, "<!--", 0));
}

static int lists_push(Scan *s, Py_ssize_t v) {
    if (grow((void **)&s->lists, &s->capl, s->nl + 1, sizeof(Py_ssize_t)) < 0) {
        s->failed = 1;
        return -1;
    }
    s->lists[s->nl++] = v;
    return 0;
}

static void scan_markdown(Scan *s) {
    const Py_ssize_t n = s->n;
    Py_ssize_t nl = 1;
    if (grow((void **)&s->starts, &s->capstarts, n / 32 + 2, sizeof(Py_ssize_t)) < 0 ||
        grow((void **)&s->pipes, &s->cappipes, n / 32 + 2, 1) < 0 ||
        grow((void **)&s->v, &s->capv, n / 12 + 16, sizeof(Span)) < 0) { /* ~1 span per 13 characters in the corpus */
        s->failed = 1;
        return;
    }
    s->starts[0] = 0;
    s->pipes[0] = 0;
    for (Py_ssize_t base = 0; base < n; base += 64) { /* newlines and pipes, 64 characters at a time */
        uint64_t lf = mask64(s->b + base, '\n'), bar = mask64(s->b + base, '|');
        for (uint64_t m = lf | bar; m; m &= m - 1) {
            uint64_t bit = m & (~m + 1);
            if (bar & bit) {
                s->pipes[nl - 1] = 1;
                continue;
            }
            if (nl + 2 > s->capstarts && (grow((void **)&s->starts, &s->capstarts, nl + 2, sizeof(Py_ssize_t)) < 0 ||
                                          grow((void **)&s->pipes, &s->cappipes, nl + 2, 1) < 0)) {
                s->failed = 1;
                return;
            }
            s->pipes[nl] = 0;
            s->starts[nl++] = base + ctz64(bit) + 1;
        }
    }
    s->starts[nl] = n + 1;
    s->nlines = nl;

    Py_ssize_t para_start = -1, para_end = -1;
    int prev = P_BLANK;
#define CLOSE_PARA()                                                                  \
    do {                                                                              \
        if (para_start >= 0) {                                                        \
            if (para_end > para_start)                                                \
                scan_inline(s, para_start, para_end);                                 \
            if (para_end < n)                                                         \
                push(s, T_NEWLINE, para_end, para_end + 1, 0, 1);                     \
            para_start = -1;                                                          \
        }                                                                             \
    } while (0)

    Py_ssize_t i = 0;
    int bq_para = 0; /* the line before is a block quote line holding prose */
    while (i < nl && !s->failed) {
        Py_ssize_t ls = LS(i), le = LE(i);
        int after_bq_para = bq_para;
        bq_para = 0;
        Py_UCS4 first = le > ls ? CH(ls) : 0;
        if (le > ls && !block_start(first) && !is_ws(first) &&
            (para_start >= 0 || !s->pipes[i])) {
            if (para_start < 0) {
                para_start = ls;
                if (prev == P_BLANK)
                    s->nl = 0;
            }
            para_end = le;
            prev = P_PARA;
            i++;
            continue;
        }
        if (le == ls || all_space(s, ls, le)) {
            if (le == ls && i == nl - 1)
                break;
            CLOSE_PARA();
            push(s, T_BLANK, ls, le < n ? le + 1 : le, 0, 1);
            prev = P_BLANK;
            i++;
            continue;
        }
        Py_ssize_t fs = ls;
        while (is_st(CH(fs)))
            fs++;
        Py_UCS4 c0 = CH(fs);
        int ind = is_st(first) ? indent(s, ls, le) : 0;
        if (prev == P_BLANK)
            while (s->nl && ind < s->lists[s->nl - 1])
                s->nl--;
        Py_ssize_t top = s->nl ? s->lists[s->nl - 1] : 0;
        Py_ssize_t rel = (s->nl && ind >= top) ? ind - top : ind;

        if (para_start >= 0 && (rel >= 4 || (ind >= 4 && !s->nl))) {
            para_end = le;
            i++;
            continue;
        }
        if (after_bq_para && rel >= 4) { /* lazy continuation of a quoted paragraph */
            para_start = ls;
            para_end = le;
            prev = P_PARA;
            i++;
            continue;
        }
        if (rel >= 4) {
            CLOSE_PARA();
            push(s, T_CODE_BLOCK, ls, line_end(s, i), 0, 1);
            prev = P_OTHER;
            i++;
            continue;
        }
        if (c0 == '`' || c0 == '~') {
            Py_UCS4 fc;
            Py_ssize_t flen;
            if (fence_at(s, ls, le, &fc, &flen)) {
                CLOSE_PARA();
                close_items(s, ind);
                Py_ssize_t j = i + 1;
                while (j < nl && !fence_closer(s, LS(j), LE(j), fc, flen))
                    j++;
                if (j > nl - 1)
                    j = nl - 1;
                push(s, T_CODE_FENCE, ls, line_end(s, j), 0, 1);
                prev = P_OTHER;
                i = j + 1;
                continue;
            }
        }
        if (c0 == '#') {
            Py_ssize_t me = atx(s, ls, le);
            if (me >= 0) {
                CLOSE_PARA();
                close_items(s, ind);
                Py_ssize_t cs = me, ce = atx_close(s, ls, le, me);
                if (ce < cs)
                    ce = cs;
                push(s, T_HEADING_MARKER, ls, cs, 0, 1);
                if (ce > cs)
                    scan_inline(s, cs, ce);
                if (le > ce)
                    push(s, T_HEADING_MARKER, ce, le, 0, 1);
                if (le < n)
                    push(s, T_NEWLINE, le, le + 1, 0, 1);
                prev = P_OTHER;
                i++;
                continue;
            }
        }
        if (c0 == '<') {
            Py_ssize_t tail;
            Py_ssize_t j = html_block_end(s, i, para_start >= 0, &tail);
            if (j >= 0) {
                CLOSE_PARA();
                close_items(s, ind);
                Py_ssize_t be = line_end(s, j);
                if (starts(s, fs, le, "<!--", 0) || starts(s, fs, le, "<?", 0) ||
                    starts(s, fs, le, "<![", 0) || html1(s, ls, le)) {
                    int t = starts(s, fs, le, "<!--", 0) ? T_HTML_COMMENT : T_HTML_BLOCK;
                    if (tail >= 0 && !all_space(s, tail, LE(j))) { /* text after the end marker */
                        push(s, t, ls, tail, 0, 1);
                        scan_inline(s, tail, LE(j));
                        if (LE(j) < n)
                            push(s, T_NEWLINE, LE(j), LE(j) + 1, 0, 1);
                    } else {
                        push(s, t, ls, be, 0, 1);
                    }
                } else {
                    Py_ssize_t end = (be > ls && CH(be - 1) == '\n') ? be - 1 : be;
                    s->html_block = 1;
                    scan_inline(s, ls, end);
                    s->html_block = 0;
                    if (end < be)
                        push(s, T_NEWLINE, end, be, 0, 1);
                }
                prev = P_OTHER;
                i = j + 1;
                continue;
            }
        }
        if (para_start >= 0 && (c0 == '=' || c0 == '-')) { /* _SETEXT */
            Py_ssize_t k = lead(s, ls, le, "=-");
            if (k >= 0) {
                Py_UCS4 u = CH(k);
                Py_ssize_t r = k;
                while (r < le && CH(r) == u)
                    r++;
                if (skip_st(s, r, le) == le) {
                    CLOSE_PARA();
                    push(s, T_SETEXT_UNDERLINE, ls, line_end(s, i), 0, 1);
                    prev = P_OTHER;
                    i++;
                    continue;
                }
            }
        }
        if (c0 == '-' || c0 == '*' || c0 == '_') { /* _HR */
            Py_ssize_t k = lead(s, ls, le, "-*_");
            if (k >= 0) {
                Py_UCS4 u = CH(k);
                int count = 0, ok = 1;
                for (Py_ssize_t t = k + 1; t < le; t++) {
                    Py_UCS4 c = CH(t);
                    if (c == u)
                        count++;
                    else if (!is_st(c)) {
                        ok = 0;
                        break;
                    }
                }
                if (ok && count >= 2) {
                    CLOSE_PARA();
                    push(s, T_HR, ls, line_end(s, i), 0, 1);
                    prev = P_OTHER;
                    i++;
                    continue;
                }
            }
        }
        if (c0 == '>') { /* _BQ */
            Py_ssize_t k = lead(s, ls, le, ">");
            if (k >= 0) {
                Py_ssize_t me = k + 1;
                if (me < le && is_st(CH(me)))
                    me++;
                for (Py_ssize_t k2; (k2 = lead(s, me, le, ">")) >= 0;) { /* nested quotes' markers */
                    k = k2;
                    me = k + 1;
                    if (me < le && is_st(CH(me)))
                        me++;
                }
                CLOSE_PARA();
                close_items(s, ind);
                Py_ssize_t col = col_at(s, ls, k);
                Py_ssize_t after = columns(s, k + 1, le, col + 1) - col - 1;
                if (after >= 5 && !after_bq_para && !all_space(s, k + 1, le)) { /* indented code */
                    push(s, T_BLOCKQUOTE_MARKER, ls, k + 1, 0, 1);
                    push(s, T_CODE_BLOCK, k + 1, line_end(s, i), 0, 1);
                    prev = P_OTHER;
                    i++;
                    continue;
                }
                Py_UCS4 fc;
                Py_ssize_t flen;
                if (fence_at(s, me, le, &fc, &flen)) { /* a fence inside the quote */
                    Py_ssize_t j = i + 1;
                    while (j < nl) {
                        Py_ssize_t bk = lead(s, LS(j), LE(j), ">");
                        if (bk < 0) {
                            j--;
                            break;
                        }
                        Py_ssize_t bme = bk + 1;
                        if (bme < LE(j) && is_st(CH(bme)))
                            bme++;
                        if (fence_closer(s, bme, LE(j), fc, flen))
                            break;
                        j++;
                    }
                    if (j > nl - 1)
                        j = nl - 1;
                    push(s, T_BLOCKQUOTE_MARKER, ls, me, 0, 1);
                    push(s, T_CODE_FENCE, me, line_end(s, j), 0, 1);
                    prev = P_OTHER;
                    i = j + 1;
                    continue;
                }
                push(s, T_BLOCKQUOTE_MARKER, ls, me, 0, 1);
                Py_ssize_t lab, lab_end, dend;
                int def = !after_bq_para && link_def(s, me, le, &lab, &lab_end, &dend);
                if (def)
                    emit_link_def(s, me, lab, lab_end, le);
                else if (le > me)
                    scan_inline(s, me, le);
                if (le < n)
                    push(s, T_NEWLINE, le, le + 1, 0, 1);
                bq_para = !def && quote_prose(s, me, le);
                prev = P_OTHER;
                i++;
                continue;
            }
        }
        if (c0 == '-' || c0 == '+' || c0 == '*' || is_digit_a(c0)) { /* _LIST */
            Py_ssize_t k = skip_st(s, ls, le), mk = -1;
            int ordered = 0, is_one = 0;
            if (k < le) {
                Py_UCS4 c = CH(k);
                if (c == '-' || c == '+' || c == '*') {
                    mk = k + 1;
                } else if (is_decimal(c)) {
                    Py_ssize_t d = k;
                    while (d < le && is_decimal(CH(d)))
                        d++;
                    if (d - k <= 9 && d < le && (CH(d) == '.' || CH(d) == ')')) {
                        mk = d + 1;
                        ordered = 1;
                        is_one = d - k == 1 && c == '1';
                    }
                }
            }
            Py_ssize_t mend = -1, wl = 0;
            if (mk >= 0) {
                Py_ssize_t w = skip_st(s, mk, le);
                if (w > mk) {
                    mend = w;
                    wl = w - mk;
                } else if (mk == le) {
                    mend = mk;
                }
            }
            if (mend >= 0 && !(para_start >= 0 && !s->nl && ((ordered && !is_one) || mend == le))) {
                CLOSE_PARA();
                Py_ssize_t col = ind + (mk - k);
                Py_ssize_t wcols = columns(s, mk, le, col) - col;
                int code = wcols > 4 && !all_space(s, mk, le);
                Py_ssize_t mk_end = wcols > 4 ? mk + 1 : mend;
                Py_ssize_t content_indent = col + ((wcols > 4 || !wl) ? 1 : wcols);
                while (s->nl && s->lists[s->nl - 1] > ind)
                    s->nl--;
                if (!(s->nl && s->lists[s->nl - 1] == content_indent))
                    lists_push(s, content_indent > 1 ? content_indent : 1);
                push(s, T_LIST_MARKER, ls, mk_end, 0, 1);
                Py_UCS4 fc;
                Py_ssize_t flen;
                if (code) {
                    push(s, T_CODE_BLOCK, mk_end, line_end(s, i), 0, 1);
                    prev = P_OTHER;
                } else if (fence_at(s, mk_end, le, &fc, &flen)) { /* a fence on the marker's line */
                    Py_ssize_t j = i + 1;
                    while (j < nl && !fence_closer(s, LS(j), LE(j), fc, flen)) {
                        if (!all_space(s, LS(j), LE(j)) && indent(s, LS(j), LE(j)) < content_indent) {
                            j--;
                            break;
                        }
                        j++;
                    }
                    if (j > nl - 1)
                        j = nl - 1;
                    push(s, T_CODE_FENCE, mk_end, line_end(s, j), 0, 1);
                    prev = P_OTHER;
                    i = j + 1;
                    continue;
                } else if (le > mk_end) {
                    para_start = mk_end;
                    para_end = le;
                    prev = P_PARA;
                } else {
                    if (le < n)
                        push(s, T_NEWLINE, le, le + 1, 0, 1);
                    prev = P_OTHER;
                }
                i++;
                continue;
            }
        }
        if (para_start < 0 && i + 1 < nl && s->pipes[i] &&
            table_delim(s, LS(i + 1), LE(i + 1)) && find1(s, '-', LS(i + 1), LE(i + 1)) >= 0) {
            Py_ssize_t j = i;
            while (j < nl && s->pipes[j] && !all_space(s, LS(j), LE(j))) {
                if (j == i + 1) {
                    push(s, T_TABLE_DELIM, LS(j), line_end(s, j), 0, 1);
                } else {
                    table_row(s, LS(j), LE(j));
                    if (LE(j) < n)
                        push(s, T_NEWLINE, LE(j), LE(j) + 1, 0, 1);
                }
                j++;
            }
            prev = P_OTHER;
            i = j;
            continue;
        }
        if (c0 == '[' && para_start < 0) {
            Py_ssize_t me = footnote_def(s, ls, le);
            if (me >= 0) { /* a container like a list item, its content four columns in */
                while (s->nl && s->lists[s->nl - 1] > ind)
                    s->nl--;
                if (!(s->nl && s->lists[s->nl - 1] == 4))
                    lists_push(s, 4);
                push(s, T_FOOTNOTE_MARKER, ls, me, 0, 1);
                if (all_space(s, me, le)) {
                    if (le > me)
                        push(s, T_FOOTNOTE_MARKER, me, le, 0, 1);
                    if (le < n)
                        push(s, T_NEWLINE, le, le + 1, 0, 1);
                    prev = P_OTHER;
                } else {
                    para_start = me;
                    para_end = le;
                    prev = P_PARA;
                }
                i++;
                continue;
            }
            Py_ssize_t lab, lab_end, dend;
            if (link_def(s, ls, n, &lab, &lab_end, &dend)) {
                Py_ssize_t j = i;
                while (LE(j) < dend)
                    j++; /* the line the definition ends on */
                emit_link_def(s, ls, lab, lab_end, line_end(s, j));
                prev = P_OTHER;
                i = j + 1;
                continue;
            }
        }
        if (para_start >= 0)
            para_end = le;
        else {
            para_start = ls;
            para_end = le;
        }
        prev = P_PARA;
        i++;
    }
    CLOSE_PARA();
#undef CLOSE_PARA
}

/* The buffers of the last scan, kept for the next one.  A long page's
 * buffers are otherwise fresh memory each time (the allocator maps and
 * unmaps them), and faulting their pages in costs more than scanning them:
 * twice the time of the whole scan on a 100,000-character page.  Up to
 * KEEP_BYTES are kept.  They change hands only under the GIL; a scan that
 * starts while another holds them (a converter running Python code in a
 * second thread) allocates its own. */
#define KEEP_BYTES ((size_t)32 << 20)
static Scan kept;
static int have_kept;

static size_t scan_bytes(const Scan *s) {
    return (size_t)s->capu * (sizeof(Py_UCS4) + 1) + (size_t)s->capstarts * sizeof(Py_ssize_t) +
           (size_t)s->cappipes + (size_t)s->capv * sizeof(Span) + (size_t)s->caps * sizeof(Opener) +
           (size_t)s->capl * sizeof(Py_ssize_t) + (size_t)s->capowners * sizeof(Py_ssize_t) +
           (size_t)s->capshift * sizeof(int32_t) + (size_t)s->caprepl * sizeof(Repl) + (size_t)s->capseen * (sizeof(uint32_t) + sizeof(uint16_t));
}

/* An empty Scan, with the kept buffers if they are free. */
static void scan_init(Scan *s) {
    if (!have_kept) {
        memset(s, 0, sizeof *s);
        return;
    }
    *s = kept; /* buffers and capacities only: scan_free cleared the rest */
    have_kept = 0;
}

static void scan_release(Scan *s) {
    PyMem_Free(s->u);
    PyMem_Free(s->b);
    PyMem_Free(s->starts);
    PyMem_Free(s->pipes);
    PyMem_Free(s->v);
    PyMem_Free(s->stack);
    PyMem_Free(s->lists);
    PyMem_Free(s->owners);
    PyMem_Free(s->shift);
    PyMem_Free(s->repl);
    PyMem_Free(s->seen);
    PyMem_Free(s->present);
}

/* Done with a Scan: its buffers are kept for the next, or freed. */
static void scan_free(Scan *s) {
    if (!have_kept && scan_bytes(s) <= KEEP_BYTES) {
        kept = *s;
        kept.n = kept.nlines = kept.nv = kept.ns = kept.nl = kept.nrules = 0;
        kept.failed = 0;
        kept.quiet = NULL;
        have_kept = 1;
        return;
    }
    scan_release(s);
}

/* markdown._lone_cr: a \r not followed by \n is a line ending of its own,
 * read as \n; the \r of \r\n is read as a space (1 if there was a \r).
 * restore_cr puts the text back for what reads it after the scan (page
 * rules). */
static int lone_cr(Scan *s) {
    int any = 0;
    for (Py_ssize_t k = 0; (k = find_either(s->b, k, s->n, '\r', '\r')) < s->n; k++) {
        Py_UCS4 c = s->u[k + 1] == '\n' ? ' ' : '\n';
        s->u[k] = c;
        s->b[k] = (unsigned char)c;
        any = 1;
    }
    return any;
}

static void restore_cr(Scan *s, PyObject *text) {
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    for (Py_ssize_t k = 0; (k = find_either(s->b, k, s->n, '\n', ' ')) < s->n; k++)
        if (PyUnicode_READ(kind, data, k) == '\r') {
            s->u[k] = '\r';
            s->b[k] = '\r';
        }
}

/* Whether the text holds "-{", which may open a -{ }- rule. */
static int may_hold_rule(const Scan *s) {
    for (Py_ssize_t k = 1; (k = find_either(s->b, k, s->n, '{', '{')) < s->n; k++)
        if (s->b[k - 1] == '-')
            return 1;
    return 0;
}

/* Scan `text`; 0 on success, -1 on error (an exception is set).  With
 * `quiet` (a chain's table, or NULL) the prose of inline text the chain
 * cannot change is not looked for, unless the text may hold -{ }- rules
 * (they can make the chain change anything after them). */
static int run_scan(Scan *s, PyObject *text, const Quiet *quiet) {
    scan_init(s);
    memo_reset(s);
    s->html_block = 0;
    s->n = PyUnicode_GET_LENGTH(text);
    if (load_text(s, text) < 0)
        return -1;
    if (quiet && !may_hold_rule(s)) {
        if (s->capseen < quiet->members + 1) {
            PyMem_Free(s->seen);
            PyMem_Free(s->present);
            s->seen = PyMem_Calloc((size_t)quiet->members + 1, sizeof *s->seen);
            s->present = PyMem_Malloc(((size_t)quiet->members + 1) * sizeof *s->present);
            s->capseen = s->seen && s->present ? quiet->members + 1 : 0;
            s->epoch = 0;
            if (!s->capseen) {
                PyErr_NoMemory();
                return -1;
            }
        }
        s->quiet = quiet;
    }
    int crs = lone_cr(s);
    scan_markdown(s);
    if (crs)
        restore_cr(s, text);
    return s->failed ? -1 : 0;
}

/* ------------------------------------------------------------- Python API */

/* Whether tuple.__new__(t, fields) makes a sound instance of t: t is tuple or
 * a class statement's subclass of it (a namedtuple). Not any tuple subtype:
 * a struct sequence (time.struct_time, sys.float_info) reads hidden fields
 * past the items it is given. */
static int plain_tuple_type(PyTypeObject *t) {
    for (; t != &PyTuple_Type; t = t->tp_base) {
        if (t == NULL || !(t->tp_flags & Py_TPFLAGS_HEAPTYPE) || t->tp_itemsize != PyTuple_Type.tp_itemsize ||
            (t->tp_dict && PyDict_GetItemString(t->tp_dict, "n_fields")))
            return 0;
    }
    return 1;
}

static PyObject *md_scan(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *text, *span_type;
    if (!PyArg_ParseTuple(args, "UO!:scan", &text, &PyType_Type, &span_type))
        return NULL;
    if (!plain_tuple_type((PyTypeObject *)span_type)) { /* tp_new below makes a tuple */
        PyErr_Format(PyExc_TypeError, "scan() needs tuple or a class derived from it (a namedtuple), not %.100s",
                     ((PyTypeObject *)span_type)->tp_name);
        return NULL;
    }
    Scan sc, *s = &sc;
    if (run_scan(s, text, NULL) < 0) {
        scan_free(s);
        return NULL;
    }
    PyObject *list = PyList_New(s->nv);
    if (!list) {
        scan_free(s);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < s->nv; i++) {
        Span *sp = &s->v[i];
        PyObject *meta = Py_None;
        Py_INCREF(meta);
        if (sp->type == T_CONV_RULE) {
            Py_DECREF(meta);
            meta = PyUnicode_Substring(text, sp->start + 2, sp->end - 2);
        }
        PyObject *fields = meta ? Py_BuildValue("(OnnOON)", type_strs[sp->type], sp->start, sp->end,
                                                sp->conv ? Py_True : Py_False,
                                                sp->brk ? Py_True : Py_False, meta)
                                : NULL;
        PyObject *item = NULL;
        if (fields) {
            PyObject *targs = PyTuple_Pack(1, fields);
            Py_DECREF(fields);
            if (targs) {
                item = PyTuple_Type.tp_new((PyTypeObject *)span_type, targs, NULL);
                Py_DECREF(targs);
            }
        }
        if (!item) {
            Py_DECREF(list);
            scan_free(s);
            return NULL;
        }
        PyList_SET_ITEM(list, i, item);
    }
    scan_free(s);
    return list;
}

/* A growable string buffer of one kind, fixed at the start (the widest of
 * the strings copied in); copies between equal kinds are memcpy. */
typedef struct {
    char *v;
    Py_ssize_t n, cap;
    int kind;
} Writer;

static int w_add(Writer *w, PyObject *str, Py_ssize_t a, Py_ssize_t e) {
    if (e <= a)
        return 0;
    if (grow((void **)&w->v, &w->cap, (w->n + (e - a)) * w->kind, 1) < 0)
        return -1;
    int kind = PyUnicode_KIND(str);
    const char *data = PyUnicode_DATA(str);
    if (kind == w->kind) {
        memcpy(w->v + w->n * kind, data + a * kind, (size_t)(e - a) * (size_t)kind);
        w->n += e - a;
        return 0;
    }
    for (Py_ssize_t i = a; i < e; i++)
        PyUnicode_WRITE(w->kind, w->v, w->n++, PyUnicode_READ(kind, data, i));
    return 0;
}

static int w_char(Writer *w, Py_UCS4 c) {
    if (grow((void **)&w->v, &w->cap, (w->n + 1) * w->kind, 1) < 0)
        return -1;
    PyUnicode_WRITE(w->kind, w->v, w->n++, c);
    return 0;
}

static PyObject *w_str(Writer *w) {
    return PyUnicode_FromKindAndData(w->kind, w->v ? w->v : "", w->n);
}

/* a[ia:ia+len] == b[ib:ib+len] */
static int same_units(PyObject *a, Py_ssize_t ia, PyObject *b, Py_ssize_t ib, Py_ssize_t len) {
    int ka = PyUnicode_KIND(a), kb = PyUnicode_KIND(b);
    const char *da = PyUnicode_DATA(a), *db = PyUnicode_DATA(b);
    if (ka == kb)
        return memcmp(da + ia * ka, db + ib * kb, (size_t)len * (size_t)ka) == 0;
    for (Py_ssize_t i = 0; i < len; i++)
        if (PyUnicode_READ(ka, da, ia + i) != PyUnicode_READ(kb, db, ib + i))
            return 0;
    return 1;
}

/* The first offset >= i where two strings of equal length differ, or
 * their length. */
static Py_ssize_t next_difference(PyObject *a, PyObject *b, Py_ssize_t i) {
    int ka = PyUnicode_KIND(a), kb = PyUnicode_KIND(b);
    const char *da = PyUnicode_DATA(a), *db = PyUnicode_DATA(b);
    Py_ssize_t n = PyUnicode_GET_LENGTH(a);
    if (ka == kb) { /* the first differing byte is in the first differing character */
        size_t pos = (size_t)i * (size_t)ka, end = (size_t)n * (size_t)ka;
#ifdef __SSE2__
        for (; pos + 16 <= end; pos += 16) {
            unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(da + pos)),
                                                                    _mm_loadu_si128((const __m128i *)(db + pos))));
            if (m != 0xFFFF)
                return (Py_ssize_t)((pos + (size_t)__builtin_ctz(~m)) / (size_t)ka);
        }
#endif
        for (; pos < end; pos++)
            if (da[pos] != db[pos])
                return (Py_ssize_t)(pos / (size_t)ka);
        return n;
    }
    for (; i < n; i++)
        if (PyUnicode_READ(ka, da, i) != PyUnicode_READ(kb, db, i))
            return i;
    return n;
}

/* The least code point that needs the range up to `top`, a maxchar that
 * PyUnicode_New accepts (0 for ASCII: nothing to need). */
static Py_UCS4 kind_floor(Py_UCS4 top) {
    return top == 0x10FFFF ? 0x10000 : top == 0xFFFF ? 0x100 : top == 0xFF ? 0x80 : 0;
}

/* A str made with PyUnicode_New(n, maxchar of another str) holds a code
 * point that needs its kind, as Python requires; found from the start,
 * which for Chinese prose is at once. */
static int needs_its_kind(PyObject *str) {
    Py_UCS4 floor = kind_floor(PyUnicode_MAX_CHAR_VALUE(str));
    int kind = PyUnicode_KIND(str);
    const void *data = PyUnicode_DATA(str);
    Py_ssize_t n = PyUnicode_GET_LENGTH(str);
    if (!floor)
        return 1;
    for (Py_ssize_t i = 0; i < n; i++)
        if (PyUnicode_READ(kind, data, i) >= floor)
            return 1;
    return 0;
}


static int convert_str(PyObject *convert, PyObject *in, PyObject **out) {
    *out = PyObject_CallOneArg(convert, in);
    if (!*out)
        return -1;
    if (!PyUnicode_Check(*out)) {
        PyErr_Format(PyExc_TypeError, "the converter returned %.100s, not str", Py_TYPE(*out)->tp_name);
        Py_CLEAR(*out);
        return -1;
    }
    return 0;
}

/* dst[d:dend] starts with left[la:le]. */
static int str_startswith(PyObject *dst, Py_ssize_t d, Py_ssize_t dend, PyObject *left, Py_ssize_t la,
                          Py_ssize_t le) {
    return d + (le - la) <= dend && same_units(dst, d, left, la, le - la);
}

/* A converter's alignment (render.AlignedConverter): its output and the
 * bounds of its units, in[k] -> out[k], n of them; borrowed from the bytes
 * of convert_aligned_packed(), or copied from the lists of
 * convert_aligned(). */
typedef struct {
    PyObject *str;
    const Py_ssize_t *in, *out;
    Py_ssize_t n;
    PyObject *held;   /* the result tuple, holding str and the bytes, or str (from the C API) */
    Py_ssize_t *own, *own_out; /* bounds in PyMem arrays (own_out: the C API's) */
    int anchors;      /* only the anchors (_accel's rec_unit), every newline a unit of its own */
} Align;

static void align_free(Align *al) {
    Py_CLEAR(al->held);
    PyMem_Free(al->own);
    PyMem_Free(al->own_out);
    al->own = al->own_out = NULL;
    al->str = NULL;
}

static PyObject *str_aligned, *str_aligned_packed;

/* zhnorm._accel's C API (see AccelCAPI there; same layout, version 1):
 * the engine's aligned conversion called straight from C, NULL when
 * _accel is not built. */
typedef struct {
    int version;
    PyTypeObject *bound_type;
    int (*aligned)(PyObject *bound, PyObject *text, PyObject **str, Py_ssize_t **in, Py_ssize_t **out,
                   Py_ssize_t *n, int *anchors);
} AccelCAPI;
static const AccelCAPI *accel_api;

/* getattr(obj, name, None) as *fn (NULL when missing); -1 on another error. */
static int optional_attr(PyObject *obj, PyObject *name, PyObject **fn) {
    *fn = PyObject_GetAttr(obj, name);
    if (*fn)
        return 0;
    if (!PyErr_ExceptionMatches(PyExc_AttributeError))
        return -1;
    PyErr_Clear();
    return 0;
}

/* The aligned conversion behind `convert` (the engine's C API for its
 * Bound, *packed 2; else its convert_aligned_packed or convert_aligned
 * attribute, *packed 1 or 0; markdown_c.py gives a converter one of
 * them), or NULL (no exception) for a plain callable. */
static PyObject *aligned_fn(PyObject *convert, int *packed) {
    PyObject *fn;
    if (accel_api && Py_TYPE(convert) == accel_api->bound_type) {
        *packed = 2;
        return Py_NewRef(convert);
    }
    *packed = 1;
    if (optional_attr(convert, str_aligned_packed, &fn) < 0)
        return NULL;
    if (!fn) {
        *packed = 0;
        if (optional_attr(convert, str_aligned, &fn) < 0)
            return NULL;
    }
    return fn;
}

/* One bounds list of convert_aligned() into dst[0:n]. */
static int copy_bounds(PyObject *list, Py_ssize_t n, Py_ssize_t *dst) {
    PyObject *seq = PySequence_Fast(list, "convert_aligned() must return two lists of bounds");
    if (!seq)
        return -1;
    int rc = 0;
    if (PySequence_Fast_GET_SIZE(seq) != n) {
        PyErr_SetString(PyExc_ValueError, "convert_aligned() returned bound lists of unequal length");
        rc = -1;
    }
    for (Py_ssize_t i = 0; !rc && i < n; i++) {
        dst[i] = PyLong_AsSsize_t(PySequence_Fast_GET_ITEM(seq, i));
        if (dst[i] == -1 && PyErr_Occurred())
            rc = -1;
    }
    Py_DECREF(seq);
    return rc;
}

/* fn(in) into *al, its bounds checked against the contract (a broken
 * converter must not make the cut-back read out of range). */
static int call_aligned(PyObject *fn, int packed, PyObject *in, Align *al) {
    memset(al, 0, sizeof *al);
    if (packed == 2) { /* fn is an engine's Bound: its C API */
        Py_ssize_t *bin, *bout;
        if (accel_api->aligned(fn, in, &al->held, &bin, &bout, &al->n, &al->anchors) < 0)
            return -1;
        al->str = al->held;
        al->in = al->own = bin;
        al->out = al->own_out = bout;
        return 0;
    }
    PyObject *r = PyObject_CallOneArg(fn, in);
    if (!r)
        return -1;
    al->held = r;
    if (!PyTuple_Check(r) || PyTuple_GET_SIZE(r) != 3 + packed || !PyUnicode_Check(PyTuple_GET_ITEM(r, 0))) {
        PyErr_SetString(PyExc_TypeError, packed ? "convert_aligned_packed() must return (str, bytes, bytes, bool)"
                                                : "convert_aligned() must return (str, in_bounds, out_bounds)");
        goto fail;
    }
    al->str = PyTuple_GET_ITEM(r, 0);
    PyObject *a = PyTuple_GET_ITEM(r, 1), *b = PyTuple_GET_ITEM(r, 2);
    if (packed) {
        if (!PyBytes_Check(a) || !PyBytes_Check(b) || PyBytes_GET_SIZE(a) != PyBytes_GET_SIZE(b) ||
            PyBytes_GET_SIZE(a) % (Py_ssize_t)sizeof(Py_ssize_t)) {
            PyErr_SetString(PyExc_TypeError, "convert_aligned_packed() must return (str, bytes, bytes, bool)");
            goto fail;
        }
        al->anchors = PyObject_IsTrue(PyTuple_GET_ITEM(r, 3)) == 1;
        al->n = PyBytes_GET_SIZE(a) / (Py_ssize_t)sizeof(Py_ssize_t);
        al->in = (const Py_ssize_t *)PyBytes_AS_STRING(a);
        al->out = (const Py_ssize_t *)PyBytes_AS_STRING(b);
    } else {
        Py_ssize_t n = PyObject_Length(a);
        if (n < 0)
            goto fail;
        if (!(al->own = PyMem_Malloc((size_t)(2 * n + 1) * sizeof(Py_ssize_t)))) {
            PyErr_NoMemory();
            goto fail;
        }
        if (copy_bounds(a, n, al->own) < 0 || copy_bounds(b, n, al->own + n) < 0)
            goto fail;
        al->n = n;
        al->in = al->own;
        al->out = al->own + n;
    }
    int ok = al->n >= 1 && al->in[0] == 0 && al->out[0] == 0 && al->in[al->n - 1] == PyUnicode_GET_LENGTH(in) &&
             al->out[al->n - 1] == PyUnicode_GET_LENGTH(al->str);
    for (Py_ssize_t k = 1; ok && k < al->n; k++)
        ok = al->in[k - 1] <= al->in[k] && al->out[k - 1] <= al->out[k];
    if (!ok) {
        PyErr_SetString(PyExc_ValueError, "convert_aligned() returned bounds that break its contract");
        goto fail;
    }
    return 0;
fail:
    align_free(al);
    return -1;
}

/* render.cut for offsets x that rise from call to call (*k follows them):
 * a bound maps to its output offset; inside a unit, the same offset if the
 * unit kept its length, else the unit's end. */
static Py_ssize_t cut_at(const Align *al, Py_ssize_t *k, Py_ssize_t x) {
    while (*k + 1 < al->n && al->in[*k + 1] <= x)
        ++*k;
    Py_ssize_t a = al->in[*k];
    if (a == x || *k + 1 >= al->n)
        return al->out[*k];
    Py_ssize_t b = al->in[*k + 1], c = al->out[*k], d = al->out[*k + 1];
    return b - a == d - c ? c + (x - a) : d;
}

/* render._separated: each separator (a newline of the joined prose) is a
 * unit of its own that became one newline. */
/* With anchors only, every newline is a bound (the converter says so) and
 * cut_at finds where it went, which must be one newline. */
static int separated(const Align *al, const Py_ssize_t *owners, const Py_ssize_t *pstart, Py_ssize_t npieces) {
    int kind = PyUnicode_KIND(al->str);
    const void *data = PyUnicode_DATA(al->str);
    Py_ssize_t k = 0;
    for (Py_ssize_t i = 0; i < npieces; i++) {
        if (owners[i] >= 0)
            continue;
        Py_ssize_t p = pstart[i];
        if (al->anchors) {
            Py_ssize_t o = cut_at(al, &k, p);
            if (cut_at(al, &k, p + 1) != o + 1 || PyUnicode_READ(kind, data, o) != '\n')
                return 0;
            continue;
        }
        while (k + 1 < al->n && al->in[k + 1] <= p)
            k++;
        if (al->in[k] != p || k + 1 >= al->n || al->in[k + 1] != p + 1 || al->out[k + 1] != al->out[k] + 1 ||
            PyUnicode_READ(kind, data, al->out[k]) != '\n')
            return 0;
    }
    return 1;
}

/* render._cut_run: the pieces [i, j) of one run, from pstart[i] in the
 * joined prose, cut from al (the conversion of the joined prose from
 * `offset` on); *k as for cut_at. */
static void cut_run(const Align *al, Py_ssize_t *k, const Py_ssize_t *pstart, Py_ssize_t i, Py_ssize_t j,
                    Py_ssize_t offset, Repl *repl) {
    Py_ssize_t begin = cut_at(al, k, pstart[i] - offset);
    for (Py_ssize_t p = i; p < j; p++) {
        Py_ssize_t end = cut_at(al, k, pstart[p + 1] - offset);
        repl[p].str = al->str;
        repl[p].a = begin;
        repl[p].e = end;
        repl[p].set = 1;
        begin = end;
    }
}

/* Move *k on to the piece holding joined[i] (pieces in order, i rising). */
static inline void piece_of(const Py_ssize_t *pstart, Py_ssize_t *k, Py_ssize_t i) {
    while (pstart[*k + 1] <= i)
        ++*k;
}

/* Every anchor of the converter's alignment lies on the diagonal (each
 * unit kept its length and its offset, so render.cut maps every offset to
 * itself: each piece is `out` at its own offsets) and no span writes
 * anything but its prose: the document is the text copied once with each
 * run where `out` differs from `joined` written in place, found by one walk
 * over the differences.  Returns 1 (*res set), 0 if a newline differs (the
 * caller then cuts piece by piece), -1 on error. */
static int patch_aligned(PyObject *text, const Scan *s, const Py_ssize_t *owners, const Py_ssize_t *pstart,
                         const int32_t *shift, PyObject *joined, PyObject *out, PyObject **res) {
    int jk = PyUnicode_KIND(joined), ok = PyUnicode_KIND(out), rk = 0;
    const void *jd = PyUnicode_DATA(joined), *od = PyUnicode_DATA(out);
    void *rd = NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(joined), k = 0;
    PyObject *str = NULL;
    Py_UCS4 top = PyUnicode_MAX_CHAR_VALUE(text), written = 0; /* OR of the code points written */
    if (PyUnicode_MAX_CHAR_VALUE(out) > top)
        top = PyUnicode_MAX_CHAR_VALUE(out);
/* out[i] = c differs from joined[i] = a: write c where its piece puts it
 * (the first time, into a copy of the text). A separator is a newline in
 * both strings, so i lies in a piece unless a newline differs. */
#define PATCH(i, a, c, KIND, AT)                                                            \
    do {                                                                                    \
        if ((a) == '\n' || (c) == '\n') { /* a line's length changed */                     \
            Py_XDECREF(str);                                                                \
            return 0;                                                                       \
        }                                                                                   \
        if (!str) {                                                                         \
            str = PyUnicode_New(PyUnicode_GET_LENGTH(text), top);                           \
            if (!str || PyUnicode_CopyCharacters(str, 0, text, 0, PyUnicode_GET_LENGTH(text)) < 0) { \
                Py_XDECREF(str);                                                            \
                return -1;                                                                  \
            }                                                                               \
            rk = PyUnicode_KIND(str);                                                       \
            rd = PyUnicode_DATA(str);                                                       \
        }                                                                                   \
        written |= (c);                                                                     \
        PyUnicode_WRITE((KIND), rd, (AT), (c));                                             \
    } while (0)
/* where joined[i] lies in the text: found from its piece, or from shift */
#define PIECE_AT(i) (piece_of(pstart, &k, (i)), s->v[owners[k]].start + ((i) - pstart[k]))
#ifdef __SSE2__
    if (jk == PyUnicode_2BYTE_KIND && ok == PyUnicode_2BYTE_KIND && top == 0xFFFF && shift) {
        /* Chinese prose, 8 characters at a time: a difference may come every
         * few characters, so each is taken from the block's mask */
        const Py_UCS2 *x = jd, *y = od;
        for (Py_ssize_t base = 0; base < n; base += 8) {
            unsigned m = 0;
            if (base + 8 <= n) {
                m = ~(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi16(_mm_loadu_si128((const __m128i *)(x + base)),
                                                                 _mm_loadu_si128((const __m128i *)(y + base)))) &
                    0xFFFF;
            } else {
                for (Py_ssize_t j = 0; base + j < n; j++)
                    if (x[base + j] != y[base + j])
                        m |= 3u << (2 * j);
            }
            for (; m; m &= m - 1, m &= m - 1) { /* two mask bits per character */
                Py_ssize_t i = base + (__builtin_ctz(m) >> 1);
                PATCH(i, x[i], y[i], PyUnicode_2BYTE_KIND, i + shift[i]); /* top is 0xFFFF */
            }
        }
    } else
#endif
    {
        for (Py_ssize_t i = next_difference(joined, out, 0); i < n; i = next_difference(joined, out, i)) {
            for (; i < n; i++) {
                Py_UCS4 a = PyUnicode_READ(jk, jd, i), c = PyUnicode_READ(ok, od, i);
                if (a == c)
                    break;
                PATCH(i, a, c, rk, PIECE_AT(i));
            }
        }
    }
#undef PATCH
#undef PIECE_AT
    if (!str) {
        *res = Py_NewRef(text);
        return 1;
    }
    /* str must have the narrowest kind that holds it; top's range is certainly
     * needed if a written code point needs it (its top bit is then set in
     * `written`), otherwise let Python find the kind. */
    Py_UCS4 floor = kind_floor(top);
    if (floor && written < floor) {
        PyObject *narrow = PyUnicode_FromKindAndData(rk, rd, PyUnicode_GET_LENGTH(str));
        Py_DECREF(str);
        if (!narrow)
            return -1;
        str = narrow;
    }
    *res = str;
    return 1;
}

/* The pieces of the prose in s->v: each convertible span (its index in
 * owners[]), and a separator (-1) for a hard boundary between two (any
 * protected span but emphasis, render.SOFT_TYPES); pstart[] their offsets
 * in the joined prose, pstart[*npieces] its length, returned.  No branch
 * on the spans: whether one is prose follows no pattern a branch predictor
 * learns, and a page has thousands. */
static Py_ssize_t gather_pieces(const Scan *s, Py_ssize_t *owners, Py_ssize_t *pstart, Py_ssize_t *npieces,
                                int *prose_only) {
    Py_ssize_t np = 0, pos = 0, nv = s->nv;
    size_t sep = 1; /* the last piece is a separator, or there is none yet */
    unsigned outs = 0;
    const Span *v = s->v;
    for (Py_ssize_t i = 0; i < nv; i++) {
        size_t conv = v[i].conv != 0, hard = v[i].type != T_EMPHASIS;
        size_t piece = conv | (hard & ~sep); /* a span, or a separator */
        outs |= v[i].out;
        owners[np] = conv ? i : -1; /* both overwritten unless np moves on */
        pstart[np] = pos;
        np += (Py_ssize_t)piece;
        pos += conv ? v[i].end - v[i].start : (Py_ssize_t)piece;
        sep = (piece | sep) & (conv ^ 1);
    }
    pstart[np] = pos;
    *npieces = np;
    *prose_only = outs == OUT_PROSE;
    return pos;
}

/* The joined prose: the pieces of `text`, a newline for each separator, in a
 * str of the narrowest kind that holds them.  For UCS2 text (Chinese) also
 * s->shift, for patch_aligned. */
static PyObject *join_pieces(PyObject *text, Scan *s, const Py_ssize_t *owners, const Py_ssize_t *pstart,
                             Py_ssize_t npieces, Py_ssize_t pos, const int32_t **shift_made) {
    int kind = PyUnicode_KIND(text);
    const char *data = PyUnicode_DATA(text);
    PyObject *joined = PyUnicode_New(pos, PyUnicode_MAX_CHAR_VALUE(text));
    if (!joined)
        return NULL;
    char *jbuf = PyUnicode_DATA(joined);
    *shift_made = NULL;
#ifdef __SSE2__
    if (kind == PyUnicode_2BYTE_KIND && PyUnicode_GET_LENGTH(text) <= INT32_MAX) {
        /* 8 characters at a time, each piece's last block written past its
         * end (the next piece overwrites it) where both strings have room;
         * with the shift of each character to its place in the text */
        if (grow((void **)&s->shift, &s->capshift, pos + 8, sizeof(int32_t)) < 0) {
            Py_DECREF(joined);
            return NULL;
        }
        static const Py_UCS2 NEWLINES[8] = {'\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n'};
        const Py_UCS2 *src = (const Py_UCS2 *)data;
        Py_UCS2 *dst = (Py_UCS2 *)jbuf;
        int32_t *shift = s->shift;
        Py_ssize_t n = PyUnicode_GET_LENGTH(text);
        for (Py_ssize_t k = 0; k < npieces; k++) {
            Py_ssize_t o = owners[k], d = pstart[k], len = pstart[k + 1] - d;
            Py_ssize_t a = o >= 0 ? s->v[o].start : 0;
            const Py_UCS2 *from = o >= 0 ? src + a : NEWLINES; /* a separator is one newline */
            Py_ssize_t blocks = (len + 7) & ~(Py_ssize_t)7;
            __m128i by = _mm_set1_epi32((int)(a - d));
            if (d + blocks <= pos && (o < 0 || a + blocks <= n)) {
                for (Py_ssize_t j = 0; j < len; j += 8) {
                    _mm_storeu_si128((__m128i *)(dst + d + j), _mm_loadu_si128((const __m128i *)(from + j)));
                    _mm_storeu_si128((__m128i *)(shift + d + j), by);
                    _mm_storeu_si128((__m128i *)(shift + d + j + 4), by);
                }
            } else {
                memcpy(dst + d, from, (size_t)len * sizeof(Py_UCS2));
                for (Py_ssize_t j = 0; j < len; j++)
                    shift[d + j] = (int32_t)(a - d);
            }
        }
        *shift_made = shift;
    } else
#endif
    {
        for (Py_ssize_t k = 0; k < npieces; k++) {
            Py_ssize_t o = owners[k];
            char *dst = jbuf + (size_t)pstart[k] * (size_t)kind;
            if (o >= 0)
                memcpy(dst, data + (size_t)s->v[o].start * (size_t)kind,
                       (size_t)(s->v[o].end - s->v[o].start) * (size_t)kind);
            else
                PyUnicode_WRITE(kind, dst, 0, '\n');
        }
    }
    if (!needs_its_kind(joined)) { /* the prose alone fits a narrower kind */
        PyObject *narrow = PyUnicode_FromKindAndData(kind, jbuf, pos);
        Py_SETREF(joined, narrow);
    }
    return joined;
}

/* Convert the prose of the spans s->v of `text` with `convert` and write the
 * document: render.convert_spans and the output loop of
 * convert_markup_result.  Returns the document (a new reference), with
 * the number of fallbacks in *nfallbacks. */
static PyObject *render_core(PyObject *text, Scan *s, PyObject *convert, int out_kind, Py_ssize_t *nfallbacks) {
    PyObject *result = NULL, *joined = NULL, *fn = NULL;
    PyObject **held = NULL; /* per piece: a conversion of its own, or of its run */
    Py_ssize_t *owners = NULL, *pstart = NULL;
    Repl *repl = NULL;
    Align al = {0};
    Writer ob = {NULL, 0, 0, out_kind > PyUnicode_KIND(text) ? out_kind : PyUnicode_KIND(text)};
    Py_ssize_t fallbacks = 0, npieces = 0;
    /* gather: the pieces (a convertible span, or -1 for a separator) */
    if (grow((void **)&s->owners, &s->capowners, 2 * s->nv + 3, sizeof(Py_ssize_t)) < 0)
        goto done;
    owners = s->owners;
    pstart = owners + s->nv + 1; /* nv + 2 offsets in joined */
    int prose_only; /* no span writes anything but its prose */
    Py_ssize_t pos = gather_pieces(s, owners, pstart, &npieces, &prose_only);
    if (!npieces)
        goto write;
    /* what each piece becomes, in a buffer kept with the scan's (a page's
     * worth is past the allocator's mmap threshold), cleared when used */
    if (grow((void **)&s->repl, &s->caprepl, npieces + 1, sizeof(Repl)) < 0)
        goto done;
    int packed;
    fn = aligned_fn(convert, &packed);
    if (!fn && PyErr_Occurred())
        goto done;
    if (!fn) {
        /* a plain callable: each piece on its own (render.convert_spans) */
        if (!(held = PyMem_Calloc((size_t)npieces, sizeof(PyObject *)))) {
            PyErr_NoMemory();
            goto done;
        }
        repl = memset(s->repl, 0, ((size_t)npieces + 1) * sizeof(Repl));
        for (Py_ssize_t i = 0; i < npieces;) {
            Py_ssize_t j = i;
            while (j < npieces && owners[j] >= 0)
                j++;
            fallbacks += j - i > 1;
            for (Py_ssize_t k = i; k < j; k++) {
                Span *sp = &s->v[owners[k]];
                PyObject *piece = PyUnicode_Substring(text, sp->start, sp->end);
                if (!piece)
                    goto done;
                int bad = convert_str(convert, piece, &held[k]);
                Py_DECREF(piece);
                if (bad)
                    goto done;
                repl[k].str = held[k];
                repl[k].a = 0;
                repl[k].e = PyUnicode_GET_LENGTH(held[k]);
                repl[k].set = 1;
            }
            i = j + 1;
        }
        goto write;
    }
    const int32_t *shift;
    if (!(joined = join_pieces(text, s, owners, pstart, npieces, pos, &shift)))
        goto done;
    if (call_aligned(fn, packed, joined, &al) < 0)
        goto done;
    if (PyUnicode_GET_LENGTH(al.str) == pos && memcmp(al.in, al.out, (size_t)al.n * sizeof(Py_ssize_t)) == 0) {
        /* on the diagonal: every offset maps to itself */
        if (same_units(al.str, 0, joined, 0, pos)) { /* every unit is itself: only rules are written */
            if (prose_only) {
                result = Py_NewRef(text);
                goto done;
            }
            goto write;
        }
        if (prose_only) {
            PyObject *str = NULL;
            int r = patch_aligned(text, s, owners, pstart, shift, joined, al.str, &str);
            if (r < 0)
                goto done;
            if (r) {
                result = str;
                goto done;
            }
        }
    }
    repl = memset(s->repl, 0, ((size_t)npieces + 1) * sizeof(Repl));
    if (separated(&al, owners, pstart, npieces)) {
        Py_ssize_t k = 0;
        for (Py_ssize_t i = 0; i < npieces;) {
            Py_ssize_t j = i;
            while (j < npieces && owners[j] >= 0)
                j++;
            if (j > i)
                cut_run(&al, &k, pstart, i, j, 0, repl);
            i = j + 1;
        }
    } else { /* a converter that joins a newline to its neighbours: each run on its own */
        if (!(held = PyMem_Calloc((size_t)npieces, sizeof(PyObject *)))) {
            PyErr_NoMemory();
            goto done;
        }
        for (Py_ssize_t i = 0; i < npieces;) {
            Py_ssize_t j = i;
            while (j < npieces && owners[j] >= 0)
                j++;
            if (j > i) {
                Align run;
                Py_ssize_t k = 0;
                PyObject *piece = PyUnicode_Substring(joined, pstart[i], pstart[j]);
                int bad = !piece || call_aligned(fn, packed, piece, &run) < 0;
                Py_XDECREF(piece);
                if (bad)
                    goto done;
                cut_run(&run, &k, pstart, i, j, pstart[i], repl);
                held[i] = Py_NewRef(run.held); /* keeps run.str for the writer */
                align_free(&run);
            }
            i = j + 1;
        }
    }
write:;
    /* the output: the text, with each changed piece and each rule replaced;
     * about as long as the text, so sized for it once */
    for (Py_ssize_t k = 0; repl && k < npieces; k++)
        if (repl[k].set && PyUnicode_KIND(repl[k].str) > ob.kind)
            ob.kind = PyUnicode_KIND(repl[k].str);
    if (grow((void **)&ob.v, &ob.cap, (PyUnicode_GET_LENGTH(text) + 64) * ob.kind, 1) < 0)
        goto done;
    Py_ssize_t copied = 0, k = 0;
    int changed = 0;
    for (Py_ssize_t i = 0; i < s->nv; i++) {
        Span *sp = &s->v[i];
        if (sp->conv) {
            if (!repl) /* no piece changed */
                continue;
            while (k < npieces && owners[k] != i)
                k++;
            Repl *r = &repl[k];
            if (!r->set)
                continue;
            if (r->e - r->a == sp->end - sp->start && str_startswith(text, sp->start, sp->end, r->str, r->a, r->e))
                continue;
            if (w_add(&ob, text, copied, sp->start) < 0)
                goto done;
            if (sp->out == OUT_BARE_LINK &&
                (w_add(&ob, text, sp->start, sp->end) < 0 || w_char(&ob, '|') < 0))
                goto done;
            if (w_add(&ob, r->str, r->a, r->e) < 0)
                goto done;
        } else if (sp->out == OUT_SHOWN && sp->shown) {
            if (w_add(&ob, text, copied, sp->start) < 0 ||
                w_add(&ob, sp->shown, 0, PyUnicode_GET_LENGTH(sp->shown)) < 0)
                goto done;
        } else {
            continue;
        }
        changed = 1;
        copied = sp->end;
    }
    if (!changed)
        result = Py_NewRef(text);
    else if (w_add(&ob, text, copied, PyUnicode_GET_LENGTH(text)) == 0)
        result = w_str(&ob);
done:
    *nfallbacks = fallbacks;
    if (held) {
        for (Py_ssize_t k = 0; k < npieces; k++)
            Py_XDECREF(held[k]);
        PyMem_Free(held);
    }
    align_free(&al);
    Py_XDECREF(fn);
    Py_XDECREF(joined);
    PyMem_Free(ob.v);
    return result;
}

/* The longest key of `pairs` (a list of (key, value), longest first) that
 * src[p:end] starts with, or -1.  `firsts` has bit (c & 255) set for the
 * first character c of every key, a quick test that rejects most positions. */
static Py_ssize_t match_pair(Scan *s, PyObject *pairs, const uint64_t *firsts, Py_ssize_t p, Py_ssize_t end) {
    Py_UCS4 c = CH(p);
    if (!(firsts[(c & 255) >> 6] >> (c & 63) & 1))
        return -1;
    Py_ssize_t n = PyList_GET_SIZE(pairs);
    for (Py_ssize_t j = 0; j < n; j++) {
        PyObject *key = PyTuple_GET_ITEM(PyList_GET_ITEM(pairs, j), 0);
        Py_ssize_t len = PyUnicode_GET_LENGTH(key);
        if (len > end - p)
            continue;
        int kind = PyUnicode_KIND(key);
        const void *data = PyUnicode_DATA(key);
        Py_ssize_t t = 0;
        while (t < len && PyUnicode_READ(kind, data, t) == CH(p + t))
            t++;
        if (t == len)
            return j;
    }
    return -1;
}

/* manual_rules.resolve_rules for Markdown: each -{ }- rule writes what
 * `shown` says; after a rule that changes the page table (`tables` maps its
 * start to the whole table, longest key first), every occurrence of a key in
 * later prose becomes a rule_phrase span writing the key's value.  Returns
 * how many phrases were replaced, or -1 on error. */
static Py_ssize_t apply_rules(Scan *s, PyObject *shown, PyObject *tables, int *out_kind) {
    Span *old = s->v;
    Py_ssize_t nold = s->nv, replaced = 0;
    PyObject *pairs = NULL; /* the page table in force (borrowed), or NULL */
    uint64_t firsts[4] = {0, 0, 0, 0};
    s->v = NULL;
    s->nv = s->capv = 0;
    for (Py_ssize_t i = 0; i < nold && !s->failed; i++) {
        Span sp = old[i];
        if (sp.type == T_CONV_RULE) {
            PyObject *key = PyLong_FromSsize_t(sp.start);
            PyObject *value = key ? PyDict_GetItemWithError(shown, key) : NULL;
            PyObject *table = key && value ? PyDict_GetItemWithError(tables, key) : NULL;
            Py_XDECREF(key);
            if (!value || PyErr_Occurred()) {
                if (!PyErr_Occurred())
                    PyErr_Format(PyExc_ValueError, "no output given for the -{ }- rule at %zd", sp.start);
                goto fail;
            }
            sp.out = OUT_SHOWN;
            if (PyUnicode_Check(value)) {
                sp.shown = value;
                if (PyUnicode_KIND(value) > *out_kind)
                    *out_kind = PyUnicode_KIND(value);
            } else if (value != Py_None) {
                PyErr_SetString(PyExc_TypeError, "a rule's output must be a str or None");
                goto fail;
            }
            if (table) {
                if (!PyList_Check(table)) {
                    PyErr_SetString(PyExc_TypeError, "a page table must be a list of (key, value)");
                    goto fail;
                }
                for (Py_ssize_t j = 0; j < PyList_GET_SIZE(table); j++) {
                    PyObject *pair = PyList_GET_ITEM(table, j);
                    if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2 ||
                        !PyUnicode_Check(PyTuple_GET_ITEM(pair, 0)) ||
                        !PyUnicode_Check(PyTuple_GET_ITEM(pair, 1)) ||
                        PyUnicode_GET_LENGTH(PyTuple_GET_ITEM(pair, 0)) == 0) {
                        PyErr_SetString(PyExc_TypeError, "a page table pair must be two str, the key not empty");
                        goto fail;
                    }
                    if (PyUnicode_KIND(PyTuple_GET_ITEM(pair, 1)) > *out_kind)
                        *out_kind = PyUnicode_KIND(PyTuple_GET_ITEM(pair, 1));
                }
                pairs = PyList_GET_SIZE(table) ? table : NULL;
                memset(firsts, 0, sizeof firsts);
                for (Py_ssize_t j = 0; j < PyList_GET_SIZE(table); j++) {
                    Py_UCS4 c = PyUnicode_READ_CHAR(PyTuple_GET_ITEM(PyList_GET_ITEM(table, j), 0), 0);
                    firsts[(c & 255) >> 6] |= (uint64_t)1 << (c & 63);
                }
            }
        }
        if (!pairs || !sp.conv) {
            push(s, sp.type, sp.start, sp.end, sp.conv, sp.brk);
            if (!s->failed) {
                s->v[s->nv - 1].out = sp.out;
                s->v[s->nv - 1].shown = sp.shown;
            }
            continue;
        }
        Py_ssize_t pos = sp.start;
        for (Py_ssize_t p = sp.start; p < sp.end;) {
            Py_ssize_t j = match_pair(s, pairs, firsts, p, sp.end);
            if (j < 0) {
                p++;
                continue;
            }
            PyObject *pair = PyList_GET_ITEM(pairs, j);
            Py_ssize_t len = PyUnicode_GET_LENGTH(PyTuple_GET_ITEM(pair, 0));
            if (p > pos)
                push(s, sp.type, pos, p, 1, sp.brk);
            push(s, T_RULE_PHRASE, p, p + len, 0, 1);
            if (!s->failed) {
                s->v[s->nv - 1].out = OUT_SHOWN;
                s->v[s->nv - 1].shown = PyTuple_GET_ITEM(pair, 1);
            }
            replaced++;
            p = pos = p + len;
        }
        if (pos < sp.end)
            push(s, sp.type, pos, sp.end, 1, sp.brk);
    }
    PyMem_Free(old);
    return s->failed ? -1 : replaced;
fail:
    PyMem_Free(old);
    return -1;
}

/* [(start, end)] of the -{ }- rules among the scanned spans. */
static PyObject *rule_bounds(Scan *s) {
    PyObject *list = PyList_New(0);
    for (Py_ssize_t i = 0, found = 0; list && found < s->nrules && i < s->nv; i++) {
        if (s->v[i].type != T_CONV_RULE)
            continue;
        found++;
        PyObject *pair = Py_BuildValue("(nn)", s->v[i].start, s->v[i].end);
        if (!pair || PyList_Append(list, pair) < 0)
            Py_CLEAR(list);
        Py_XDECREF(pair);
    }
    return list;
}

/* The arguments of convert() and convert_text(): (text, convert[, plan,
 * variant, keep]), parsed by hand (METH_FASTCALL): a page is one call, and
 * for short texts the call is a good part of the cost. */
static int convert_args(PyObject *const *args, Py_ssize_t nargs, const char *name, PyObject *got[5]) {
    if (nargs < 2 || nargs > 5) {
        PyErr_Format(PyExc_TypeError, "%s() takes from 2 to 5 arguments (%zd given)", name, nargs);
        return -1;
    }
    if (!PyUnicode_Check(args[0])) {
        PyErr_Format(PyExc_TypeError, "%s() argument 1 must be str, not %.100s", name, Py_TYPE(args[0])->tp_name);
        return -1;
    }
    got[2] = Py_None; /* plan */
    got[3] = Py_None; /* variant */
    got[4] = Py_False; /* keep */
    for (Py_ssize_t i = 0; i < nargs; i++)
        got[i] = args[i];
    return 0;
}

/* ------------------------------------------------------------ Quiet type */

/* Quiet(table): a chain's quiet table, its bytes checked whole, so that
 * may_change reads them with no check and never outside them. */
static PyObject *quiet_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    PyObject *data;
    if (kwds && PyDict_GET_SIZE(kwds)) {
        PyErr_SetString(PyExc_TypeError, "Quiet() takes no keyword arguments");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "O!:Quiet", &PyBytes_Type, &data))
        return NULL;
    Py_ssize_t len = PyBytes_GET_SIZE(data), at = 16 + 2 * QUIET_BMP;
    uint32_t header[4];
    if (len < at) {
        PyErr_SetString(PyExc_ValueError, "a quiet table is too short");
        return NULL;
    }
    memcpy(header, PyBytes_AS_STRING(data), sizeof header);
    Py_ssize_t members = header[1], listed = header[2];
    if (header[0] != QUIET_MAGIC || members >= (Py_ssize_t)QUIET_ACTIVE ||
        len != at + 4 * (members + 1) + 2 * listed) {
        PyErr_SetString(PyExc_ValueError, "not a quiet table (zhnorm.quiet), or one of the wrong length");
        return NULL;
    }
    /* a copy from the allocator, aligned for any type: each array starts
     * at an even offset, the offsets at a multiple of 4 */
    char *raw = PyMem_Malloc((size_t)len);
    if (!raw)
        return PyErr_NoMemory();
    memcpy(raw, PyBytes_AS_STRING(data), (size_t)len);
    const uint16_t *table = (const uint16_t *)(raw + 16);
    const uint32_t *offsets = (const uint32_t *)(raw + at);
    const uint16_t *partners = (const uint16_t *)(raw + at + 4 * (members + 1));
    int ok = offsets[0] == 0 && offsets[members] == (uint32_t)listed;
    for (Py_ssize_t k = 0; ok && k < members; k++)
        ok = offsets[k] <= offsets[k + 1];
    for (Py_ssize_t j = 0; ok && j < listed; j++)
        ok = partners[j] >= 1 && partners[j] <= members;
    for (Py_ssize_t c = 0; ok && c < QUIET_BMP; c++)
        ok = table[c] <= members || table[c] == QUIET_ACTIVE;
    Quiet *self = ok ? (Quiet *)type->tp_alloc(type, 0) : NULL;
    if (!self) {
        if (!ok)
            PyErr_SetString(PyExc_ValueError, "a quiet table with an id out of range");
        PyMem_Free(raw);
        return NULL;
    }
    self->copy = raw;
    self->table = table;
    self->offsets = offsets;
    self->partners = partners;
    self->members = members;
    memset(self->active_bits, 0, sizeof self->active_bits);
    memset(self->pair_bits, 0, sizeof self->pair_bits);
    for (Py_ssize_t c = 0; c < QUIET_BMP; c++) {
        uint64_t bit = (uint64_t)1 << (c & 63);
        if (table[c] == QUIET_ACTIVE)
            self->active_bits[c >> 6] |= bit;
        else if (table[c] && offsets[table[c] - 1] < offsets[table[c]])
            self->pair_bits[c >> 6] |= bit;
    }
    return (PyObject *)self;
}

static void quiet_dealloc(Quiet *self) {
    PyMem_Free(self->copy);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyTypeObject QuietType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "zhnorm._mdscan.Quiet",
    .tp_basicsize = sizeof(Quiet),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Quiet(table: bytes): a chain's quiet table (zhnorm.quiet), for convert_text.",
    .tp_new = quiet_new,
    .tp_dealloc = (destructor)quiet_dealloc,
};

/* (shown, tables) copied where no Python code can reach them: the spans
 * borrow their strings and lists, and convert() (or a key's __eq__) runs
 * before they are read. Each list of tables is copied too. */
static PyObject *private_copies(PyObject *shown, PyObject *tables) {
    PyObject *shown_copy = PyDict_Copy(shown), *tables_copy = PyDict_New();
    PyObject *items = tables_copy ? PyDict_Items(tables) : NULL; /* owns each key and value */
    PyObject *pair = NULL;
    if (!shown_copy || !items)
        goto fail;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(items); i++) {
        PyObject *item = PyList_GET_ITEM(items, i), *value = PyTuple_GET_ITEM(item, 1);
        value = PyList_Check(value) ? PyList_GetSlice(value, 0, PY_SSIZE_T_MAX) : Py_NewRef(value);
        int r = value ? PyDict_SetItem(tables_copy, PyTuple_GET_ITEM(item, 0), value) : -1;
        Py_XDECREF(value);
        if (r < 0)
            goto fail;
    }
    pair = PyTuple_Pack(2, shown_copy, tables_copy);
fail:
    Py_XDECREF(shown_copy);
    Py_XDECREF(tables_copy);
    Py_XDECREF(items);
    return pair;
}

/* Markup-aware conversion of a Markdown page: the converted page (a new
 * reference), with counts[] = tokens, rules, rule phrases, fallbacks. */
static PyObject *convert_page(PyObject *text, PyObject *convert, PyObject *plan, PyObject *variant,
                              PyObject *keep, const Quiet *quiet, Py_ssize_t counts[4]) {
    Scan sc, *s = &sc;
    if (run_scan(s, text, quiet) < 0) {
        scan_free(s);
        return NULL;
    }
    int out_kind = 0;
    Py_ssize_t replaced = 0, nrules = s->nrules, fallbacks = 0;
    PyObject *bounds = NULL, *decided = NULL, *res = NULL;
    if (nrules) {
        /* the caller decides what the rules write:
         * plan(text, bounds, variant, convert, keep) -> (shown, tables) */
        if (plan == Py_None) {
            PyErr_SetString(PyExc_ValueError, "the text holds -{ }- rules: pass plan");
            goto done;
        }
        bounds = rule_bounds(s);
        decided = bounds ? PyObject_CallFunctionObjArgs(plan, text, bounds, variant, convert, keep, NULL) : NULL;
        if (!decided)
            goto done;
        if (!PyTuple_Check(decided) || PyTuple_GET_SIZE(decided) != 2 ||
            !PyDict_Check(PyTuple_GET_ITEM(decided, 0)) || !PyDict_Check(PyTuple_GET_ITEM(decided, 1))) {
            PyErr_SetString(PyExc_TypeError, "plan() must return (shown: dict, tables: dict)");
            goto done;
        }
        Py_SETREF(decided, private_copies(PyTuple_GET_ITEM(decided, 0), PyTuple_GET_ITEM(decided, 1)));
        if (!decided)
            goto done;
        replaced = apply_rules(s, PyTuple_GET_ITEM(decided, 0), PyTuple_GET_ITEM(decided, 1), &out_kind);
        if (replaced < 0)
            goto done;
    }
    res = render_core(text, s, convert, out_kind, &fallbacks);
    counts[0] = s->nv;
    counts[1] = nrules;
    counts[2] = replaced;
    counts[3] = fallbacks;
done:
    Py_XDECREF(bounds);
    Py_XDECREF(decided); /* after render_core: the spans borrow its strings */
    scan_free(s);
    return res;
}

static PyObject *md_convert(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
    PyObject *got[5];
    Py_ssize_t counts[4];
    if (convert_args(args, nargs, "convert", got) < 0)
        return NULL;
    PyObject *page = convert_page(got[0], got[1], got[2], got[3], got[4], NULL, counts);
    return page ? Py_BuildValue("(Nnnnn)", page, counts[0], counts[1], counts[2], counts[3]) : NULL;
}

/* convert_text(convert, plan, variant, keep, quiet, text): the text last,
 * so that functools.partial(convert_text, convert, plan, variant, keep,
 * quiet) is a converter of Markdown texts that calls straight into C. */
static PyObject *md_convert_text(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
    Py_ssize_t counts[4];
    if (nargs != 6) {
        PyErr_Format(PyExc_TypeError, "convert_text() takes 6 arguments (%zd given)", nargs);
        return NULL;
    }
    PyObject *quiet = args[4], *text = args[5];
    if (quiet != Py_None && !PyObject_TypeCheck(quiet, &QuietType)) {
        PyErr_Format(PyExc_TypeError, "convert_text() argument 5 must be Quiet or None, not %.100s",
                     Py_TYPE(quiet)->tp_name);
        return NULL;
    }
    if (!PyUnicode_Check(text)) {
        PyErr_Format(PyExc_TypeError, "convert_text() argument 6 must be str, not %.100s", Py_TYPE(text)->tp_name);
        return NULL;
    }
    return convert_page(text, args[0], args[1], args[2], args[3], quiet == Py_None ? NULL : (const Quiet *)quiet,
                        counts);
}

static PyObject *md_rules(PyObject *Py_UNUSED(module), PyObject *text) {
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "rules() takes a str");
        return NULL;
    }
    Scan sc, *s = &sc;
    if (run_scan(s, text, NULL) < 0) {
        scan_free(s);
        return NULL;
    }
    PyObject *list = rule_bounds(s);
    scan_free(s);
    return list;
}

/* The value of `key` in the dict `meta`, or NULL (no exception). */
static PyObject *meta_get(PyObject *meta, const char *key) {
    return PyDict_Check(meta) ? PyDict_GetItemString(meta, key) : NULL;
}

static PyObject *md_render(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *text, *spans, *convert;
    if (!PyArg_ParseTuple(args, "UO!O:render", &text, &PyList_Type, &spans, &convert))
        return NULL;
    /* Python code runs below (__index__, __bool__, convert): it may change
     * the list or the meta dicts. Read a snapshot of the list, and hold each
     * string a span points to in `held` until rendering is done. */
    PyObject *held = PyList_New(0);
    spans = held ? PyList_AsTuple(spans) : NULL;
    if (!spans) {
        Py_XDECREF(held);
        return NULL;
    }
    Scan sc, *s = &sc;
    memset(s, 0, sizeof *s);
    Py_ssize_t n = PyTuple_GET_SIZE(spans), len = PyUnicode_GET_LENGTH(text);
    int out_kind = 0;
    if (grow((void **)&s->v, &s->capv, n + 1, sizeof(Span)) < 0)
        goto fail;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *t = PyTuple_GET_ITEM(spans, i);
        if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) < 6) {
            PyErr_SetString(PyExc_TypeError, "render() takes a list of Span tuples");
            goto fail;
        }
        Span *sp = &s->v[i];
        PyObject *type = PyTuple_GET_ITEM(t, 0), *meta = PyTuple_GET_ITEM(t, 5);
        sp->start = PyLong_AsSsize_t(PyTuple_GET_ITEM(t, 1));
        sp->end = PyLong_AsSsize_t(PyTuple_GET_ITEM(t, 2));
        if (PyErr_Occurred())
            goto fail;
        if (sp->start < 0 || sp->end < sp->start || sp->end > len) {
            PyErr_SetString(PyExc_ValueError, "a span lies outside the text");
            goto fail;
        }
        int conv = PyObject_IsTrue(PyTuple_GET_ITEM(t, 3)), brk = conv < 0 ? -1 : PyObject_IsTrue(PyTuple_GET_ITEM(t, 4));
        if (conv < 0 || brk < 0)
            goto fail;
        sp->conv = (unsigned char)conv;
        sp->brk = (unsigned char)brk;
        sp->type = T_TEXT;
        sp->out = OUT_PROSE;
        sp->shown = NULL;
        if (!PyUnicode_Check(type))
            continue;
        if (!sp->conv && (PyUnicode_CompareWithASCIIString(type, "emphasis") == 0 ||
                          PyUnicode_CompareWithASCIIString(type, "quote_markup") == 0)) {
            sp->type = T_EMPHASIS; /* a soft boundary (render.SOFT_TYPES) */
        } else if (PyUnicode_CompareWithASCIIString(type, "wikilink_bare") == 0) {
            sp->out = OUT_BARE_LINK;
        } else if (!sp->conv && (PyUnicode_CompareWithASCIIString(type, "conv_rule") == 0 ||
                                 PyUnicode_CompareWithASCIIString(type, "rule_phrase") == 0)) {
            /* _output: a rule shows `shown` unless kept; a phrase always */
            PyObject *keep = Py_XNewRef(meta_get(meta, "keep"));
            PyObject *shown = Py_XNewRef(meta_get(meta, "shown"));
            int kept = keep ? PyObject_IsTrue(keep) : 0;
            Py_XDECREF(keep);
            sp->out = OUT_SHOWN;
            if (kept >= 0 && shown && PyUnicode_Check(shown) && !kept) {
                kept = PyList_Append(held, shown);
                sp->shown = shown;
                if (PyUnicode_KIND(shown) > out_kind)
                    out_kind = PyUnicode_KIND(shown);
            }
            Py_XDECREF(shown);
            if (kept < 0)
                goto fail;
        }
    }
    s->nv = n;
    Py_ssize_t fallbacks = 0;
    PyObject *str = render_core(text, s, convert, out_kind, &fallbacks);
    scan_release(s);
    Py_DECREF(spans);
    Py_DECREF(held);
    return str ? Py_BuildValue("(Nn)", str, fallbacks) : NULL;
fail:
    scan_release(s);
    Py_DECREF(spans);
    Py_DECREF(held);
    return NULL;
}

static PyMethodDef md_functions[] = {
    {"scan", md_scan, METH_VARARGS,
     "scan(text, span_type) -> list: the spans of markdown.scan_markdown(text), each "
     "made with tuple.__new__(span_type, ...)."},
    {"convert", (PyCFunction)(void (*)(void))md_convert, METH_FASTCALL,
     "convert(text, convert[, plan, variant, keep]) -> (str, tokens, rules, rule_phrases, "
     "fallbacks): markup-aware conversion of Markdown `text` with the plain converter `convert`. "
     "If the text holds -{ }- rules, plan(text, [(start, end), ...], variant, convert, keep) says "
     "what they do: (shown, tables), "
     "shown mapping each rule's start to what it writes (None: kept), tables the start of each "
     "rule that changes the page table to the whole table, [(key, value)] longest key first "
     "(manual_rules.rule_plan)."},
    {"convert_text", (PyCFunction)(void (*)(void))md_convert_text, METH_FASTCALL,
     "convert_text(convert, plan, variant, keep, quiet, text) -> str: convert() without the counts, "
     "the text last (for functools.partial); with `quiet` (a Quiet of the chain `convert` applies), "
     "inline text that the chain cannot change is not scanned."},
    {"rules", md_rules, METH_O,
     "rules(text) -> list of (start, end): the -{ }- rules the Markdown scanner finds."},
    {"render", md_render, METH_VARARGS,
     "render(text, spans, convert) -> (str, fallbacks): the output of "
     "convert_markup_result for spans of any scanner, -{ }- rules already resolved."},
    {NULL, NULL, 0, NULL},
};

/* At interpreter exit: the kept scan buffers go too. */
static void md_free(void *Py_UNUSED(module)) {
    if (have_kept) {
        have_kept = 0;
        scan_release(&kept);
    }
}

static struct PyModuleDef md_module = {
    PyModuleDef_HEAD_INIT, "zhnorm._mdscan",
    "The Markdown scanner and cut-back in C; use it through zhnorm.markup.", -1, md_functions,
    NULL, NULL, NULL, md_free,
};

PyMODINIT_FUNC PyInit__mdscan(void) {
    PyObject *ud = PyImport_ImportModule("unicodedata");
    if (!ud)
        return NULL;
    category_fn = PyObject_GetAttrString(ud, "category");
    Py_DECREF(ud);
    if (!category_fn)
        return NULL;
    accel_api = PyCapsule_Import("zhnorm._accel._C_API", 0);
    if (!accel_api || accel_api->version != 1) {
        PyErr_Clear(); /* built without _accel: converters are called through Python */
        accel_api = NULL;
    }
    str_aligned = PyUnicode_InternFromString("convert_aligned");
    str_aligned_packed = PyUnicode_InternFromString("convert_aligned_packed");
    if (!str_aligned || !str_aligned_packed)
        return NULL;
    for (int t = 0; t < T_COUNT; t++) {
        type_strs[t] = PyUnicode_InternFromString(TYPE_NAMES[t]);
        if (!type_strs[t])
            return NULL;
    }
    if (PyType_Ready(&QuietType) < 0)
        return NULL;
    PyObject *module = PyModule_Create(&md_module);
    if (module && PyModule_AddObjectRef(module, "Quiet", (PyObject *)&QuietType) < 0)
        Py_CLEAR(module);
    return module;
}
