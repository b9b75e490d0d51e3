/* zhnorm._accel: the engine's fast pass (see engine.py) in one C loop.
 *
 * One left-to-right scan over the code points of a str: at each position
 * the longest segmentation key starting there is looked up in a trie and its
 * final value is written out; a position no key covers is mapped through the
 * one-to-one char table. Runs of uncovered positions ("stretches") that
 * contain a trigger string need OpenCC's stage-by-stage conversion: scan()
 * copies them unconverted and reports them; convert() runs them through the
 * stages (each a maximum forward match, i.e. a scan of its own tables with
 * no triggers) as soon as they end.
 *
 * Everything works on code points, so UCS1/2/4 strings, astral characters
 * and lone surrogates need no special case: a code point no table knows
 * passes through.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define ALWAYS_INLINE static inline __attribute__((always_inline))
#elif defined(_MSC_VER)
#define ALWAYS_INLINE static __forceinline
#else
#define ALWAYS_INLINE static inline
#endif

/* Strings are always ready from 3.12 on, and the call is deprecated there. */
#if PY_VERSION_HEX >= 0x030C0000
#define READY(s) 0
#else
#define READY(s) PyUnicode_READY(s)
#endif

#define MAX_CODE 0x110000u
#define BLOCK_BITS 8
#define BLOCK_SIZE (1u << BLOCK_BITS)
#define N_BLOCKS (MAX_CODE >> BLOCK_BITS)

/* ---------------------------------------------------------------- tries */

/* A trie over code points. Children of a node sit contiguously in
 * labels/targets, sorted by label, so a step is a short binary search in
 * one or two cache lines. Node 0 is the root; its children are also reached
 * through the per-code-point table (one lookup instead of a search among
 * thousands). */
typedef struct {
    uint32_t first; /* index of the first child edge */
    uint32_t count; /* number of child edges */
    int32_t value;  /* index of the key ending here, or -1 */
} Node;

typedef struct {
    Node *nodes;
    uint32_t n_nodes;
    uint32_t *labels;
    uint32_t *targets;
} Trie;

static void trie_free(Trie *t) {
    PyMem_Free(t->nodes);
    PyMem_Free(t->labels);
    PyMem_Free(t->targets);
    memset(t, 0, sizeof(*t));
}

ALWAYS_INLINE uint32_t trie_child(const Trie *t, uint32_t node, uint32_t c) {
    const Node *nd = &t->nodes[node];
    const uint32_t *labels = t->labels;
    uint32_t lo = nd->first, end = lo + nd->count, hi = end;
    while (lo < hi) { /* lower bound of c */
        uint32_t mid = lo + ((hi - lo) >> 1);
        if (labels[mid] < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (lo < end && labels[lo] == c) ? t->targets[lo] : 0;
}

static int compare_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static uint32_t hash_edge(uint32_t parent, uint32_t label, uint32_t mask) {
    uint64_t k = ((uint64_t)parent << 21) | label;
    return (uint32_t)((k * 0x9E3779B97F4A7C15ull) >> 40) & mask;
}

/* Build a trie of the strings of `seq` (a tuple or list), value = index.
 * The first of duplicate keys wins. Building goes through a hash table of
 * edges (any key order works in linear time), then the edges are grouped by
 * parent with a counting sort and each group sorted by label. */
static int trie_build(Trie *t, PyObject *seq, const char *what) {
    PyObject *fast = PySequence_Fast(seq, "keys must be a sequence of str");
    if (fast == NULL)
        return -1;
    Py_ssize_t n_keys = PySequence_Fast_GET_SIZE(fast);
    PyObject **items = PySequence_Fast_ITEMS(fast);
    size_t total = 1;
    for (Py_ssize_t k = 0; k < n_keys; k++) {
        PyObject *key = items[k];
        if (!PyUnicode_Check(key) || READY(key) < 0) {
            PyErr_Format(PyExc_TypeError, "%s must be str", what);
            Py_DECREF(fast);
            return -1;
        }
        if (PyUnicode_GET_LENGTH(key) == 0) {
            PyErr_Format(PyExc_ValueError, "%s must not be empty", what);
            Py_DECREF(fast);
            return -1;
        }
        total += (size_t)PyUnicode_GET_LENGTH(key);
    }
    if (total >= 0x7FFFFFFFu) {
        PyErr_Format(PyExc_OverflowError, "too many %s", what);
        Py_DECREF(fast);
        return -1;
    }
    uint32_t slots = 16;
    while (slots < 2 * total)
        slots <<= 1;
    uint32_t mask = slots - 1;
    uint32_t *table = PyMem_Calloc(slots, sizeof(uint32_t)); /* 0 = empty */
    uint32_t *parent = PyMem_Malloc(total * sizeof(uint32_t));
    uint32_t *label = PyMem_Malloc(total * sizeof(uint32_t));
    int32_t *value = PyMem_Malloc(total * sizeof(int32_t));
    uint32_t *cursor = NULL;
    if (!table || !parent || !label || !value)
        goto nomem;
    uint32_t n_nodes = 1;
    parent[0] = label[0] = 0;
    value[0] = -1;
    for (Py_ssize_t k = 0; k < n_keys; k++) {
        PyObject *key = items[k];
        int kind = PyUnicode_KIND(key);
        const void *data = PyUnicode_DATA(key);
        Py_ssize_t len = PyUnicode_GET_LENGTH(key);
        uint32_t node = 0;
        for (Py_ssize_t i = 0; i < len; i++) {
            uint32_t c = PyUnicode_READ(kind, data, i);
            uint32_t h = hash_edge(node, c, mask), found;
            while ((found = table[h]) != 0 && !(parent[found] == node && label[found] == c))
                h = (h + 1) & mask;
            if (!found) {
                found = n_nodes++;
                parent[found] = node;
                label[found] = c;
                value[found] = -1;
                table[h] = found;
            }
            node = found;
        }
        if (value[node] < 0)
            value[node] = (int32_t)k;
    }
    PyMem_Free(table);
    table = NULL;

    t->n_nodes = n_nodes;
    t->nodes = PyMem_Calloc(n_nodes, sizeof(Node));
    t->labels = PyMem_Malloc((n_nodes > 1 ? n_nodes - 1 : 1) * sizeof(uint32_t));
    t->targets = PyMem_Malloc((n_nodes > 1 ? n_nodes - 1 : 1) * sizeof(uint32_t));
    cursor = PyMem_Malloc(n_nodes * sizeof(uint32_t));
    if (!t->nodes || !t->labels || !t->targets || !cursor)
        goto nomem;
    for (uint32_t v = 1; v < n_nodes; v++)
        t->nodes[parent[v]].count++;
    uint32_t at = 0;
    for (uint32_t v = 0; v < n_nodes; v++) {
        t->nodes[v].first = cursor[v] = at;
        t->nodes[v].value = value[v];
        at += t->nodes[v].count;
    }
    for (uint32_t v = 1; v < n_nodes; v++) {
        uint32_t e = cursor[parent[v]]++;
        t->labels[e] = label[v];
        t->targets[e] = v;
    }
    /* Nodes are numbered in creation order, so with sorted keys every group
     * is already in label order; sort only the groups that are not. */
    uint64_t *scratch = NULL;
    size_t scratch_size = 0;
    for (uint32_t v = 0; v < n_nodes; v++) {
        Node *nd = &t->nodes[v];
        int sorted = 1;
        for (uint32_t e = nd->first + 1; e < nd->first + nd->count; e++)
            if (t->labels[e - 1] > t->labels[e]) {
                sorted = 0;
                break;
            }
        if (sorted)
            continue;
        if (scratch_size < nd->count) {
            PyMem_Free(scratch);
            scratch_size = nd->count;
            scratch = PyMem_Malloc(scratch_size * sizeof(uint64_t));
            if (!scratch)
                goto nomem;
        }
        for (uint32_t j = 0; j < nd->count; j++)
            scratch[j] = ((uint64_t)t->labels[nd->first + j] << 32) | t->targets[nd->first + j];
        qsort(scratch, nd->count, sizeof(uint64_t), compare_u64);
        for (uint32_t j = 0; j < nd->count; j++) {
            t->labels[nd->first + j] = (uint32_t)(scratch[j] >> 32);
            t->targets[nd->first + j] = (uint32_t)scratch[j];
        }
    }
    PyMem_Free(scratch);
    PyMem_Free(cursor);
    PyMem_Free(parent);
    PyMem_Free(label);
    PyMem_Free(value);
    Py_DECREF(fast);
    return 0;

nomem:
    PyMem_Free(table);
    PyMem_Free(cursor);
    PyMem_Free(parent);
    PyMem_Free(label);
    PyMem_Free(value);
    trie_free(t);
    Py_DECREF(fast);
    PyErr_NoMemory();
    return -1;
}

/* -------------------------------------------------- per-code-point table */

/* What the scan needs to know about one code point, in one lookup. Code
 * points are stored XOR the code point itself, so an all-zero entry means
 * "unchanged, starts nothing" and untouched ranges share one zero block.
 * With normalisation, the entry of a code point that normalises to another
 * describes that other one (its output, its trie nodes), so normalising
 * costs no second lookup. */
typedef struct {
    uint32_t map_xor;      /* char-table output of the (normalised) code point */
    uint32_t key_node;     /* child of the keys trie root, 0 if none */
    uint32_t trigger_node; /* child of the triggers trie root, 0 if none */
    uint32_t norm_xor;     /* normalised code point */
} Entry;

typedef struct {
    uint16_t block_of[N_BLOCKS]; /* block number per 256 code points; 0 = zero block */
    Entry *blocks;
    uint32_t n_blocks;
} CodeTable;

ALWAYS_INLINE const Entry *code_entry(const CodeTable *ct, uint32_t c) {
    return &ct->blocks[((uint32_t)ct->block_of[c >> BLOCK_BITS] << BLOCK_BITS) | (c & (BLOCK_SIZE - 1))];
}

/* Count the blocks first, so the table is allocated once. */
static void code_mark(uint8_t *used, uint32_t c) { used[c >> BLOCK_BITS] = 1; }

static Entry *code_slot(CodeTable *ct, uint32_t c) {
    return &ct->blocks[((uint32_t)ct->block_of[c >> BLOCK_BITS] << BLOCK_BITS) | (c & (BLOCK_SIZE - 1))];
}

/* ------------------------------------------------------------ the type */

/* Most positions of real text start some key (s2t has keys for nearly every
 * common character) but few continue one, so the first step below the root
 * is where most of the time would go. A bit per hashed pair of code points
 * that begins a key answers "no" for almost all of them from a small,
 * cache-resident bitset; false positives merely do the trie step. */
typedef struct {
    uint64_t *bits;
    int shift; /* 64 - log2(number of bits) */
} PairFilter;

ALWAYS_INLINE uint64_t pair_hash(uint32_t a, uint32_t b) {
    return (((uint64_t)a << 21) | b) * 0x9E3779B97F4A7C15ull;
}

ALWAYS_INLINE int pair_maybe(const PairFilter *f, uint32_t a, uint32_t b) {
    uint64_t h = pair_hash(a, b) >> f->shift;
    return (int)((f->bits[h >> 6] >> (h & 63)) & 1);
}

/* Set a bit for every path root -> a -> b of the trie, ~16 bits per pair. */
static int pair_filter_build(PairFilter *f, const Trie *t) {
    const Node *root = &t->nodes[0];
    size_t pairs = 0;
    for (uint32_t e = root->first; e < root->first + root->count; e++)
        pairs += t->nodes[t->targets[e]].count;
    int log2 = 12;
    while (log2 < 40 && ((size_t)1 << log2) < 16 * pairs)
        log2++;
    f->shift = 64 - log2;
    f->bits = PyMem_Calloc(((size_t)1 << log2) / 64, sizeof(uint64_t));
    if (!f->bits) {
        PyErr_NoMemory();
        return -1;
    }
    for (uint32_t e = root->first; e < root->first + root->count; e++) {
        const Node *first = &t->nodes[t->targets[e]];
        for (uint32_t g = first->first; g < first->first + first->count; g++) {
            uint64_t h = pair_hash(t->labels[e], t->labels[g]) >> f->shift;
            f->bits[h >> 6] |= (uint64_t)1 << (h & 63);
        }
    }
    return 0;
}

typedef struct {
    PyObject_HEAD
    Trie keys;
    PairFilter pairs;
    Trie triggers;
    PairFilter trigger_pairs;
    CodeTable codes;
    int normalizes; /* scan() normalises too (see Entry) */
    Py_UCS4 *pool;  /* every value's code points, back to back */
    Py_UCS2 *pool2; /* the same as UCS2, for UCS2 output (astral values: 0) */
    uint32_t *value_start;
    uint32_t *value_length;
    uint8_t *value_astral; /* the value has a code point past U+FFFF */
    Py_ssize_t n_values;
} Tables;

static void Tables_dealloc(Tables *self) {
    trie_free(&self->keys);
    trie_free(&self->triggers);
    PyMem_Free(self->pairs.bits);
    PyMem_Free(self->trigger_pairs.bits);
    PyMem_Free(self->codes.blocks);
    PyMem_Free(self->pool);
    PyMem_Free(self->pool2);
    PyMem_Free(self->value_start);
    PyMem_Free(self->value_length);
    PyMem_Free(self->value_astral);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int one_code_point(PyObject *s, uint32_t *out) {
    if (!PyUnicode_Check(s) || READY(s) < 0 || PyUnicode_GET_LENGTH(s) != 1) {
        PyErr_SetString(PyExc_ValueError, "chars must map one code point to one code point");
        return -1;
    }
    *out = PyUnicode_READ_CHAR(s, 0);
    return 0;
}

static int load_values(Tables *self, PyObject *values, Py_ssize_t n_keys) {
    PyObject *fast = PySequence_Fast(values, "values must be a sequence of str");
    if (fast == NULL)
        return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    PyObject **items = PySequence_Fast_ITEMS(fast);
    if (n != n_keys) {
        PyErr_SetString(PyExc_ValueError, "keys and values differ in length");
        goto fail;
    }
    size_t total = 0;
    for (Py_ssize_t k = 0; k < n; k++) {
        if (!PyUnicode_Check(items[k]) || READY(items[k]) < 0) {
            PyErr_SetString(PyExc_TypeError, "values must be str");
            goto fail;
        }
        total += (size_t)PyUnicode_GET_LENGTH(items[k]);
    }
    if (total >= 0xFFFFFFFFu) {
        PyErr_SetString(PyExc_OverflowError, "values too long");
        goto fail;
    }
    self->n_values = n;
    self->pool = PyMem_Malloc((total ? total : 1) * sizeof(Py_UCS4));
    self->pool2 = PyMem_Malloc((total ? total : 1) * sizeof(Py_UCS2));
    self->value_start = PyMem_Malloc((n ? n : 1) * sizeof(uint32_t));
    self->value_length = PyMem_Malloc((n ? n : 1) * sizeof(uint32_t));
    self->value_astral = PyMem_Calloc(n ? n : 1, 1);
    if (!self->pool || !self->pool2 || !self->value_start || !self->value_length ||
        !self->value_astral) {
        PyErr_NoMemory();
        goto fail;
    }
    uint32_t at = 0;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *v = items[k];
        Py_ssize_t len = PyUnicode_GET_LENGTH(v);
        if (PyUnicode_AsUCS4(v, self->pool + at, len, 0) == NULL)
            goto fail;
        self->value_start[k] = at;
        self->value_length[k] = (uint32_t)len;
        for (Py_ssize_t i = 0; i < len; i++) {
            Py_UCS4 c = self->pool[at + i];
            self->pool2[at + i] = (Py_UCS2)(c > 0xFFFF ? 0 : c);
            if (c > 0xFFFF)
                self->value_astral[k] = 1;
        }
        at += (uint32_t)len;
    }
    Py_DECREF(fast);
    return 0;
fail:
    Py_DECREF(fast);
    return -1;
}

static int build_code_table(Tables *self, PyObject *chars, PyObject *normalization) {
    CodeTable *ct = &self->codes;
    uint8_t *used = PyMem_Calloc(N_BLOCKS, 1);
    if (!used) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t pos = 0;
    PyObject *k, *v;
    while (PyDict_Next(chars, &pos, &k, &v)) {
        uint32_t a, b;
        if (one_code_point(k, &a) < 0 || one_code_point(v, &b) < 0)
            goto fail;
        code_mark(used, a);
    }
    pos = 0;
    while (normalization && PyDict_Next(normalization, &pos, &k, &v)) {
        uint32_t a, b;
        if (one_code_point(k, &a) < 0 || one_code_point(v, &b) < 0)
            goto fail;
        code_mark(used, a);
    }
    Trie *tries[2] = {&self->keys, &self->triggers};
    for (int t = 0; t < 2; t++) {
        const Node *root = &tries[t]->nodes[0];
        for (uint32_t e = root->first; e < root->first + root->count; e++)
            code_mark(used, tries[t]->labels[e]);
    }
    uint32_t n_blocks = 1; /* block 0: all zero, shared by untouched ranges */
    for (uint32_t b = 0; b < N_BLOCKS; b++)
        if (used[b]) {
            if (n_blocks > 0xFFFF) { /* cannot happen: N_BLOCKS < 0xFFFF */
                PyErr_SetString(PyExc_OverflowError, "code table too large");
                goto fail;
            }
            ct->block_of[b] = (uint16_t)n_blocks++;
        }
    ct->n_blocks = n_blocks;
    ct->blocks = PyMem_Calloc((size_t)n_blocks * BLOCK_SIZE, sizeof(Entry));
    if (!ct->blocks) {
        PyErr_NoMemory();
        goto fail;
    }
    pos = 0;
    while (PyDict_Next(chars, &pos, &k, &v)) {
        uint32_t a = PyUnicode_READ_CHAR(k, 0), b = PyUnicode_READ_CHAR(v, 0);
        code_slot(ct, a)->map_xor = a ^ b;
    }
    for (int t = 0; t < 2; t++) {
        const Node *root = &tries[t]->nodes[0];
        for (uint32_t e = root->first; e < root->first + root->count; e++) {
            Entry *slot = code_slot(ct, tries[t]->labels[e]);
            if (t == 0)
                slot->key_node = tries[t]->targets[e];
            else
                slot->trigger_node = tries[t]->targets[e];
        }
    }
    /* Last, once every code point's own entry is final: a normalised code
     * point takes its target's entry. Targets are read before any is
     * overwritten, so normalising is one step, as in OpenCC. */
    Py_ssize_t n_norm = normalization ? PyDict_GET_SIZE(normalization) : 0;
    if (n_norm) {
        Entry *targets = PyMem_Malloc((size_t)n_norm * sizeof(Entry));
        if (!targets) {
            PyErr_NoMemory();
            goto fail;
        }
        Py_ssize_t at = 0;
        pos = 0;
        while (PyDict_Next(normalization, &pos, &k, &v))
            targets[at++] = *code_entry(ct, PyUnicode_READ_CHAR(v, 0));
        at = 0;
        pos = 0;
        while (PyDict_Next(normalization, &pos, &k, &v)) {
            uint32_t a = PyUnicode_READ_CHAR(k, 0), b = PyUnicode_READ_CHAR(v, 0);
            Entry target = targets[at++];
            target.norm_xor = a ^ b; /* map_xor stays relative to b */
            *code_slot(ct, a) = target;
        }
        PyMem_Free(targets);
    }
    self->normalizes = n_norm > 0;
    PyMem_Free(used);
    return 0;
fail:
    PyMem_Free(used);
    return -1;
}

static PyObject *Tables_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"keys", "values", "chars", "triggers", "normalization", NULL};
    PyObject *keys, *values, *chars, *triggers, *normalization = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOO!O|O!:Tables", kwlist, &keys, &values,
                                     &PyDict_Type, &chars, &triggers, &PyDict_Type,
                                     &normalization))
        return NULL;
    /* The keys as one list or tuple, counted once: the trie's values index
     * the values, so their number must be the keys' real length (not what
     * a __len__ says, nor a second pass over an iterator). */
    keys = PySequence_Fast(keys, "keys must be a sequence of str");
    if (keys == NULL)
        return NULL;
    Tables *self = (Tables *)type->tp_alloc(type, 0);
    if (self == NULL) {
        Py_DECREF(keys);
        return NULL;
    }
    if (trie_build(&self->keys, keys, "keys") < 0 ||
        trie_build(&self->triggers, triggers, "triggers") < 0 ||
        pair_filter_build(&self->pairs, &self->keys) < 0 ||
        pair_filter_build(&self->trigger_pairs, &self->triggers) < 0 ||
        load_values(self, values, PySequence_Fast_GET_SIZE(keys)) < 0 ||
        build_code_table(self, chars, normalization) < 0) {
        Py_DECREF(keys);
        Py_DECREF(self);
        return NULL;
    }
    Py_DECREF(keys);
    return (PyObject *)self;
}

/* ------------------------------------------------------------ the scan */

#define READ(kind, data, i)                                                    \
    ((kind) == PyUnicode_1BYTE_KIND   ? (uint32_t)((const Py_UCS1 *)(data))[i] \
     : (kind) == PyUnicode_2BYTE_KIND ? (uint32_t)((const Py_UCS2 *)(data))[i] \
                                      : (uint32_t)((const Py_UCS4 *)(data))[i])

/* A growable output buffer of UCS2 or UCS4 code units (`kind` 2 or 4).
 * Chinese text is nearly all in the BMP, so the result is written as UCS2
 * when the input is: half the memory of UCS4, and the final str is one
 * copy. Should a code point past U+FFFF have to be written, the scan says
 * RESTART and is run again with UCS4 output. */
typedef struct {
    void *buf;
    size_t len, cap; /* in code units */
    int kind;
} Out;

#define RESTART (-2) /* not an error: no exception is set */

static int out_reserve(Out *out, size_t need) {
    if (need <= out->cap)
        return 0;
    size_t cap = out->cap + out->cap / 2;
    if (cap < need)
        cap = need;
    void *buf = PyMem_Realloc(out->buf, cap * (size_t)out->kind);
    if (!buf) {
        PyErr_NoMemory();
        return -1;
    }
    out->buf = buf;
    out->cap = cap;
    return 0;
}

/* Store code point c at out[i]; RESTART if it does not fit a UCS2 buffer. */
ALWAYS_INLINE int out_put(int okind, void *buf, size_t i, uint32_t c) {
    if (okind == 2) {
        if (c > 0xFFFF)
            return RESTART;
        ((Py_UCS2 *)buf)[i] = (Py_UCS2)c;
    } else {
        ((Py_UCS4 *)buf)[i] = c;
    }
    return 0;
}

/* The output buffer of the last convert(), kept for the next, up to
 * KEEP_BYTES.  A long text's buffer is otherwise fresh memory each call
 * (the allocator maps and unmaps it), and faulting its pages in costs about
 * as much as converting them.  It changes hands only under the GIL: a call
 * that starts while another holds it (a stages callable running Python code
 * in a second thread) allocates its own. */
#define KEEP_BYTES ((size_t)32 << 20)
static void *kept_buf;
static size_t kept_bytes;

static Out take_kept_out(void) {
    Out out = {kept_buf, 0, kept_bytes / 4, 4}; /* scan_text sets the kind */
    kept_buf = NULL;
    kept_bytes = 0;
    return out;
}

static void keep_out(Out *out) {
    size_t bytes = out->cap * (size_t)out->kind;
    if (!kept_buf && bytes <= KEEP_BYTES) {
        kept_buf = out->buf;
        kept_bytes = out->buf ? bytes : 0;
    } else {
        PyMem_Free(out->buf);
    }
    out->buf = NULL;
}

static PyObject *out_str(const Out *out) {
    return PyUnicode_FromKindAndData(out->kind, out->buf, (Py_ssize_t)out->len);
}

/* The unit bounds of an aligned conversion (Engine.convert_aligned): pairs
 * (in, out), the first (0, 0).  Each unit between two bounds is one key
 * match, one unmatched code point, or one stage unit of a stretch holding a
 * trigger (see compose_bounds); every bound is a place where converting the
 * two sides apart gives the same output, since a maximum forward match
 * restarts at the end of any unit it chose. */
typedef struct {
    Py_ssize_t *in, *out;
    Py_ssize_t n, cap;
    int anchors; /* keep only the anchors (see rec_unit) */
} Bounds;

static int bounds_push(Bounds *b, Py_ssize_t i, Py_ssize_t o) {
    if (b->n == b->cap) {
        Py_ssize_t cap = b->cap ? b->cap * 2 : 16;
        Py_ssize_t *in = PyMem_Realloc(b->in, (size_t)cap * sizeof(Py_ssize_t));
        if (!in) {
            PyErr_NoMemory();
            return -1;
        }
        b->in = in;
        Py_ssize_t *out = PyMem_Realloc(b->out, (size_t)cap * sizeof(Py_ssize_t));
        if (!out) {
            PyErr_NoMemory();
            return -1;
        }
        b->out = out;
        b->cap = cap;
    }
    b->in[b->n] = i;
    b->out[b->n] = o;
    b->n++;
    return 0;
}

/* Record the unit in[a:e] -> out[c:d].  All bounds: its end.  Anchors
 * only (convert_aligned_packed): its two ends if its length changes,
 * nothing otherwise.  Between two consecutive anchors there is then either
 * one unit that changes length, or units that all keep their length, where
 * every offset maps linearly: the markup cut-back maps an offset to the
 * same place from the anchors as from all the bounds, at a fraction of the
 * memory.  `anchors` is a constant where the scan is specialised. */
ALWAYS_INLINE int rec_unit(Bounds *b, int anchors, Py_ssize_t a, Py_ssize_t e, Py_ssize_t c, Py_ssize_t d) {
    if (!anchors)
        return bounds_push(b, e, d);
    if (e - a == d - c)
        return 0;
    if (b->in[b->n - 1] < a && bounds_push(b, a, c) < 0)
        return -1;
    return bounds_push(b, e, d);
}

static void bounds_free(Bounds *b) {
    PyMem_Free(b->in);
    PyMem_Free(b->out);
    b->in = b->out = NULL;
    b->n = b->cap = 0;
}

/* What to do with a stretch that holds a trigger: scan() reports it in
 * `list`; convert() runs it through the chain's stages right away. The
 * stages come as a tuple of Tables, or as a callable returning one, called
 * on the first such stretch (many texts never need the stages, and building
 * them costs start-up time). */
typedef struct {
    PyObject *list;          /* scan(): (src_start, src_end, out_start, out_end) */
    PyObject *stages_source; /* convert(): tuple or callable (borrowed) */
    PyObject *stages;        /* convert(): the resolved tuple (owned) */
    Out scratch[2];          /* UCS4 buffers passed between stages */
    Bounds *rec;             /* convert_aligned(): the bounds of the whole text */
    Bounds stage_bounds[2];  /* convert_aligned(): composed so far, and one stage's */
} Redo;

static int run_stages(PyObject *stages, int *kind, const void **data, Py_ssize_t *len,
                      Out scratch[2], Bounds *composed, Bounds *one);
static int check_stages(PyObject *stages);

/* The code point at data[i], normalised when `norm` (a constant after
 * inlining, so the plain scan pays nothing for it). */
ALWAYS_INLINE uint32_t source_at(const Tables *self, int kind, int norm, const void *data,
                                 Py_ssize_t i) {
    uint32_t c = READ(kind, data, i);
    return norm ? c ^ code_entry(&self->codes, c)->norm_xor : c;
}

/* Whether a trigger occurs entirely inside data[from:end]; `from` is the
 * first position of the stretch whose code point starts some trigger. */
ALWAYS_INLINE int has_trigger(const Tables *self, int kind, int norm, const void *data,
                              Py_ssize_t from, Py_ssize_t end) {
    const Trie *t = &self->triggers;
    for (Py_ssize_t p = from; p < end; p++) {
        uint32_t c = READ(kind, data, p);
        const Entry *e = code_entry(&self->codes, c);
        uint32_t node = e->trigger_node;
        if (!node)
            continue;
        if (t->nodes[node].value >= 0)
            return 1;
        if (norm)
            c ^= e->norm_xor;
        if (p + 1 >= end ||
            !pair_maybe(&self->trigger_pairs, c, source_at(self, kind, norm, data, p + 1)))
            continue;
        Py_ssize_t q = p + 1;
        while (node) {
            if (t->nodes[node].value >= 0)
                return 1;
            if (q >= end)
                break;
            node = trie_child(t, node, source_at(self, kind, norm, data, q++));
        }
    }
    return 0;
}

/* A stretch src[start:end] written to out[out_start:out->len] holds a
 * trigger: put the (normalised) source back and report it, or replace it by
 * its conversion through the stages (out->len then moves; room is kept for
 * the n - end code points still to come). */
static int redo_stretch(const Tables *self, int kind, int norm, const void *data, Py_ssize_t n,
                        Py_ssize_t start, Py_ssize_t end, Out *out, size_t out_start,
                        Redo *redo) {
    for (Py_ssize_t p = start; p < end; p++) {
        int r = out_put(out->kind, out->buf, out_start + (size_t)(p - start),
                        source_at(self, kind, norm, data, p));
        if (r)
            return r;
    }
    if (redo->list != NULL) {
        PyObject *item = Py_BuildValue("(nnnn)", start, end, (Py_ssize_t)out_start,
                                       (Py_ssize_t)out_start + (end - start));
        if (item == NULL)
            return -1;
        int r = PyList_Append(redo->list, item);
        Py_DECREF(item);
        return r;
    }
    if (redo->stages == NULL) {
        PyObject *stages = redo->stages_source;
        stages = PyTuple_Check(stages) ? Py_NewRef(stages) : PyObject_CallNoArgs(stages);
        if (stages == NULL)
            return -1;
        if (check_stages(stages) < 0) {
            Py_DECREF(stages);
            return -1;
        }
        redo->stages = stages;
    }
    if (PyTuple_GET_SIZE(redo->stages) == 0) /* the source in place is the result */
        return 0;
    /* The stretch's source, now at out[out_start:], is the first stage's
     * input; the last stage's output (in a scratch buffer, which growing
     * out cannot move) is copied back there. */
    int k = out->kind;
    const void *result = (const char *)out->buf + out_start * (size_t)out->kind;
    Py_ssize_t len = end - start;
    Bounds *composed = redo->rec ? &redo->stage_bounds[0] : NULL;
    if (run_stages(redo->stages, &k, &result, &len, redo->scratch, composed, &redo->stage_bounds[1]) < 0)
        return -1;
    if (composed) {
        /* the stretch's bounds, one per code point, give way to the stages'
         * (a bound at the stretch's start is kept) */
        Bounds *rec = redo->rec;
        while (rec->n && rec->in[rec->n - 1] > start)
            rec->n--;
        for (Py_ssize_t j = 0; j + 1 < composed->n; j++)
            if (rec_unit(rec, rec->anchors, start + composed->in[j], start + composed->in[j + 1],
                         (Py_ssize_t)out_start + composed->out[j], (Py_ssize_t)out_start + composed->out[j + 1]) < 0)
                return -1;
    }
    if (out_reserve(out, out_start + (size_t)len + (size_t)(n - end)) < 0)
        return -1;
    if (out->kind == 4) {
        memcpy((Py_UCS4 *)out->buf + out_start, result, (size_t)len * sizeof(Py_UCS4));
    } else {
        for (Py_ssize_t i = 0; i < len; i++) {
            int r = out_put(2, out->buf, out_start + (size_t)i, ((const Py_UCS4 *)result)[i]);
            if (r)
                return r;
        }
    }
    out->len = out_start + (size_t)len;
    return 0;
}

/* End a stretch; `first_trigger` is where the first code point starting a
 * trigger was seen in it, or -1 (then the stretch is final as written). */
ALWAYS_INLINE int close_stretch(const Tables *self, int kind, int norm, const void *data,
                                Py_ssize_t n, Py_ssize_t start, Py_ssize_t end,
                                Py_ssize_t first_trigger, Out *out, size_t out_start,
                                Redo *redo) {
    if (first_trigger < 0 || !has_trigger(self, kind, norm, data, first_trigger, end))
        return 0;
    return redo_stretch(self, kind, norm, data, n, start, end, out, out_start, redo);
}

/* The loop, written once and specialised by inlining for the input kind,
 * with or without normalisation, and for the output kind. Returns 0, -1 on
 * error, or RESTART (UCS2 output met a code point past U+FFFF). */
ALWAYS_INLINE int scan_kind(const Tables *self, int kind, int norm, int okind, const void *data,
                            Py_ssize_t n, Out *out, Redo *redo, Bounds *rec, int anchors) {
    const CodeTable *codes = &self->codes;
    const Trie *keys = &self->keys;
    const Node *nodes = keys->nodes;
    void *buf = out->buf;
    size_t len = 0;
    Py_ssize_t i = 0, stretch = 0, first_trigger = -1;
    size_t stretch_out = 0;
    int r;
    /* Invariant: cap >= len + (n - i), so an unmatched code point (one in,
     * one out) never needs a capacity check; only values can grow. */
    while (i < n) {
        uint32_t c = READ(kind, data, i);
        const Entry *e = code_entry(codes, c);
        if (norm)
            c ^= e->norm_xor;
        if (e->key_node) {
            uint32_t node = e->key_node;
            int32_t best = nodes[node].value;
            Py_ssize_t best_end = i + 1, j = i + 1;
            if (j < n && !pair_maybe(&self->pairs, c, source_at(self, kind, norm, data, j)))
                j = n; /* no key continues with this pair: skip the walk */
            while (j < n && nodes[node].count) {
                node = trie_child(keys, node, source_at(self, kind, norm, data, j));
                if (!node)
                    break;
                j++;
                if (nodes[node].value >= 0) {
                    best = nodes[node].value;
                    best_end = j;
                }
            }
            if (best >= 0) {
                if (first_trigger >= 0) {
                    out->len = len;
                    r = close_stretch(self, kind, norm, data, n, stretch, i, first_trigger, out,
                                      stretch_out, redo);
                    if (r)
                        return r;
                    len = out->len;
                    buf = out->buf;
                }
                uint32_t vlen = self->value_length[best];
                size_t need = len + vlen + (size_t)(n - best_end);
                if (need > out->cap) {
                    out->len = len;
                    if (out_reserve(out, need) < 0)
                        return -1;
                    buf = out->buf;
                }
                uint32_t at = self->value_start[best];
                if (okind == 2) {
                    if (self->value_astral[best])
                        return RESTART;
                    memcpy((Py_UCS2 *)buf + len, self->pool2 + at, vlen * sizeof(Py_UCS2));
                } else {
                    memcpy((Py_UCS4 *)buf + len, self->pool + at, vlen * sizeof(Py_UCS4));
                }
                if (rec && rec_unit(rec, anchors, i, best_end, (Py_ssize_t)len, (Py_ssize_t)(len + vlen)) < 0)
                    return -1;
                len += vlen;
                i = best_end;
                stretch = i;
                stretch_out = len;
                first_trigger = -1;
                continue;
            }
        }
        if (e->trigger_node && first_trigger < 0)
            first_trigger = i;
        r = out_put(okind, buf, len++, c ^ e->map_xor);
        if (r)
            return r;
        if (rec && !anchors && bounds_push(rec, i + 1, (Py_ssize_t)len) < 0) /* one in, one out */
            return -1;
        i++;
    }
    out->len = len;
    return close_stretch(self, kind, norm, data, n, stretch, n, first_trigger, out, stretch_out,
                         redo);
}

#define SCAN_VARIANT(NAME, KIND, NORM, OKIND)                                      \
    static int NAME(const Tables *s, const void *d, Py_ssize_t n, Out *o, Redo *r) { \
        return scan_kind(s, KIND, NORM, OKIND, d, n, o, r, NULL, 0);                \
    }                                                                               \
    static int NAME##_aligned(const Tables *s, const void *d, Py_ssize_t n, Out *o, Redo *r, \
                              Bounds *b) {                                          \
        return b->anchors ? scan_kind(s, KIND, NORM, OKIND, d, n, o, r, b, 1)       \
                          : scan_kind(s, KIND, NORM, OKIND, d, n, o, r, b, 0);      \
    }
SCAN_VARIANT(scan_1_to_2, PyUnicode_1BYTE_KIND, 0, 2)
SCAN_VARIANT(scan_2_to_2, PyUnicode_2BYTE_KIND, 0, 2)
SCAN_VARIANT(scan_4_to_2, PyUnicode_4BYTE_KIND, 0, 2)
SCAN_VARIANT(scan_1_to_4, PyUnicode_1BYTE_KIND, 0, 4)
SCAN_VARIANT(scan_2_to_4, PyUnicode_2BYTE_KIND, 0, 4)
SCAN_VARIANT(scan_4_to_4, PyUnicode_4BYTE_KIND, 0, 4)
SCAN_VARIANT(scan_1_to_2_norm, PyUnicode_1BYTE_KIND, 1, 2)
SCAN_VARIANT(scan_2_to_2_norm, PyUnicode_2BYTE_KIND, 1, 2)
SCAN_VARIANT(scan_4_to_2_norm, PyUnicode_4BYTE_KIND, 1, 2)
SCAN_VARIANT(scan_1_to_4_norm, PyUnicode_1BYTE_KIND, 1, 4)
SCAN_VARIANT(scan_2_to_4_norm, PyUnicode_2BYTE_KIND, 1, 4)
SCAN_VARIANT(scan_4_to_4_norm, PyUnicode_4BYTE_KIND, 1, 4)

typedef int (*ScanFunction)(const Tables *, const void *, Py_ssize_t, Out *, Redo *);

/* [normalises][output kind is 4][input kind 1, 2, 4 as 0, 1, 2] */
static const ScanFunction SCANS[2][2][3] = {
    {{scan_1_to_2, scan_2_to_2, scan_4_to_2}, {scan_1_to_4, scan_2_to_4, scan_4_to_4}},
    {{scan_1_to_2_norm, scan_2_to_2_norm, scan_4_to_2_norm},
     {scan_1_to_4_norm, scan_2_to_4_norm, scan_4_to_4_norm}},
};

typedef int (*AlignedScanFunction)(const Tables *, const void *, Py_ssize_t, Out *, Redo *, Bounds *);

static const AlignedScanFunction ALIGNED_SCANS[2][2][3] = {
    {{scan_1_to_2_aligned, scan_2_to_2_aligned, scan_4_to_2_aligned},
     {scan_1_to_4_aligned, scan_2_to_4_aligned, scan_4_to_4_aligned}},
    {{scan_1_to_2_norm_aligned, scan_2_to_2_norm_aligned, scan_4_to_2_norm_aligned},
     {scan_1_to_4_norm_aligned, scan_2_to_4_norm_aligned, scan_4_to_4_norm_aligned}},
};

/* Scan data[:n] into out, from its start: out must have room for n code
 * units, and out->kind says the output kind.  With `rec` (holding (0, 0)
 * and nothing else), the bound after each unit is recorded too. */
static int run_scan(const Tables *self, int kind, const void *data, Py_ssize_t n, Out *out,
                    Redo *redo, Bounds *rec) {
    int k = kind == 4 ? 2 : kind - 1;
    if (rec)
        return ALIGNED_SCANS[self->normalizes != 0][out->kind == 4][k](self, data, n, out, redo, rec);
    return SCANS[self->normalizes != 0][out->kind == 4][k](self, data, n, out, redo);
}

/* The whole text into out (UCS2 output unless the text is UCS4; once more
 * in UCS4 if that does not fit); out->buf is the caller's to free. */
static int scan_text(const Tables *self, PyObject *text, Out *out, Redo *redo) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text), okind = kind == PyUnicode_4BYTE_KIND ? 4 : 2;
    out->cap = out->cap * (size_t)out->kind / (size_t)okind; /* the same bytes, in okind units */
    out->kind = okind;
    if (out_reserve(out, (size_t)n + 16) < 0)
        return -1;
    int r = run_scan(self, kind, PyUnicode_DATA(text), n, out, redo, redo->rec);
    if (r != RESTART)
        return r;
    if (redo->rec)
        redo->rec->n = 1; /* (0, 0) */
    PyMem_Free(out->buf);
    out->buf = NULL;
    out->len = out->cap = 0;
    out->kind = 4;
    if (redo->list != NULL && PyList_SetSlice(redo->list, 0, PyList_GET_SIZE(redo->list), NULL) < 0)
        return -1;
    if (out_reserve(out, (size_t)n + 16) < 0)
        return -1;
    return run_scan(self, kind, PyUnicode_DATA(text), n, out, redo, redo->rec);
}

/* data[:len] through every stage in turn; on return *data points into one
 * of the scratch buffers (UCS4), or is unchanged with no stages.
 *
 * With `composed`, it ends holding the bounds of the whole run: a stage's
 * bounds are in its input's offsets, so a bound of the run is a bound of the
 * first stage whose output offset is a bound of the second, and so on (a
 * merge of two lists, both sorted by the offset they share).  Converting
 * the two sides of such a bound apart gives every stage the same two
 * sides, so the run's output is the same.  `one` is scratch. */
static int run_stages(PyObject *stages, int *kind, const void **data, Py_ssize_t *len,
                      Out scratch[2], Bounds *composed, Bounds *one) {
    Py_ssize_t n_stages = PyTuple_GET_SIZE(stages);
    if (composed) {
        composed->n = 0;
        if (bounds_push(composed, 0, 0) < 0)
            return -1;
        for (Py_ssize_t i = 1; i <= *len; i++)
            if (bounds_push(composed, i, i) < 0)
                return -1;
    }
    for (Py_ssize_t s = 0; s < n_stages; s++) {
        Out *out = &scratch[s & 1];
        out->kind = 4;
        if (one) {
            one->n = 0;
            if (composed && bounds_push(one, 0, 0) < 0)
                return -1;
        }
        if (out_reserve(out, (size_t)*len + 16) < 0 ||
            run_scan((Tables *)PyTuple_GET_ITEM(stages, s), *kind, *data, *len, out, NULL,
                     composed ? one : NULL) < 0)
            return -1;
        *kind = PyUnicode_4BYTE_KIND;
        *data = out->buf;
        *len = (Py_ssize_t)out->len;
        if (composed) {
            Py_ssize_t kept = 0, j = 0;
            for (Py_ssize_t i = 0; i < composed->n; i++) {
                Py_ssize_t mid = composed->out[i];
                while (j < one->n && one->in[j] < mid)
                    j++;
                if (j < one->n && one->in[j] == mid) {
                    composed->in[kept] = composed->in[i];
                    composed->out[kept] = one->out[j];
                    kept++;
                }
            }
            composed->n = kept;
        }
    }
    return 0;
}

static PyTypeObject TablesType;

/* A stage is a plain maximum forward match: no triggers, no normalisation. */
static int check_stages(PyObject *stages) {
    if (!PyTuple_Check(stages)) {
        PyErr_SetString(PyExc_TypeError, "stages must be a tuple of Tables");
        return -1;
    }
    for (Py_ssize_t s = 0; s < PyTuple_GET_SIZE(stages); s++) {
        PyObject *stage = PyTuple_GET_ITEM(stages, s);
        if (!PyObject_TypeCheck(stage, &TablesType) || ((Tables *)stage)->triggers.n_nodes > 1 ||
            ((Tables *)stage)->normalizes) {
            PyErr_SetString(PyExc_TypeError,
                            "stages must be Tables without triggers or normalization");
            return -1;
        }
    }
    return 0;
}

static PyObject *Tables_scan(Tables *self, PyObject *text) {
    if (!PyUnicode_Check(text)) {
        PyErr_Format(PyExc_TypeError, "scan() needs str, not %.100s", Py_TYPE(text)->tp_name);
        return NULL;
    }
    if (READY(text) < 0)
        return NULL;
    PyObject *redo = PyList_New(0);
    if (redo == NULL)
        return NULL;
    Out out = {NULL, 0, 0, 2};
    Redo context = {redo, NULL, NULL, {{NULL, 0, 0, 4}, {NULL, 0, 0, 4}}, NULL, {{0}, {0}}};
    PyObject *result = NULL;
    if (scan_text(self, text, &out, &context) == 0) {
        PyObject *s = out_str(&out);
        if (s != NULL) {
            result = PyTuple_Pack(2, s, redo);
            Py_DECREF(s);
        }
    }
    PyMem_Free(out.buf);
    Py_DECREF(redo);
    return result;
}

static int check_stages_arg(PyObject *stages) {
    if (!PyTuple_Check(stages) && !PyCallable_Check(stages)) {
        PyErr_SetString(PyExc_TypeError, "stages must be a tuple of Tables or a callable");
        return -1;
    }
    return 0;
}

static PyObject *convert_text(Tables *self, PyObject *text, PyObject *stages) {
    if (READY(text) < 0)
        return NULL;
    Out out = take_kept_out();
    Redo context = {NULL, stages, NULL, {{NULL, 0, 0, 4}, {NULL, 0, 0, 4}}, NULL, {{0}, {0}}};
    PyObject *result = NULL;
    if (scan_text(self, text, &out, &context) == 0)
        result = out_str(&out);
    keep_out(&out);
    PyMem_Free(context.scratch[0].buf);
    PyMem_Free(context.scratch[1].buf);
    Py_XDECREF(context.stages);
    return result;
}

/* The bounds as two lists of ints, or (packed) as two bytes objects of
 * native Py_ssize_t, for the Markdown cut-back in C. */
static PyObject *bounds_result(PyObject *str, const Bounds *b, int packed, int anchors) {
    PyObject *ins, *outs;
    if (packed) {
        ins = PyBytes_FromStringAndSize((const char *)b->in, b->n * (Py_ssize_t)sizeof(Py_ssize_t));
        outs = ins ? PyBytes_FromStringAndSize((const char *)b->out, b->n * (Py_ssize_t)sizeof(Py_ssize_t))
                   : NULL;
    } else {
        ins = PyList_New(b->n);
        outs = ins ? PyList_New(b->n) : NULL;
        for (Py_ssize_t i = 0; outs && i < b->n; i++) {
            PyObject *x = PyLong_FromSsize_t(b->in[i]), *y = x ? PyLong_FromSsize_t(b->out[i]) : NULL;
            if (!y) {
                Py_XDECREF(x);
                Py_CLEAR(outs);
                break;
            }
            PyList_SET_ITEM(ins, i, x);
            PyList_SET_ITEM(outs, i, y);
        }
    }
    PyObject *result = !outs ? NULL
                       : packed ? PyTuple_Pack(4, str, ins, outs, anchors ? Py_True : Py_False)
                                : PyTuple_Pack(3, str, ins, outs);
    Py_XDECREF(ins);
    Py_XDECREF(outs);
    return result;
}

/* convert_text with the bounds of its units (Engine.convert_aligned). */
/* The conversion of `text` into *str and its bounds into *rec (holding
 * nothing yet; the caller frees it): all of them, or the anchors only
 * (see rec_unit) with rec->anchors.  0, or -1 with an exception set. */
static int aligned_core(Tables *self, PyObject *text, PyObject *stages, int ascii_inert, Bounds *rec,
                        PyObject **str) {
    *str = NULL;
    if (READY(text) < 0)
        return -1;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int anchors = rec->anchors;
    if (bounds_push(rec, 0, 0) < 0)
        return -1;
    if (n == 0 || (ascii_inert && PyUnicode_IS_ASCII(text))) {
        for (Py_ssize_t i = 0; i < n; i++)
            if (rec_unit(rec, anchors, i, i + 1, i, i + 1) < 0)
                return -1;
        *str = Py_NewRef(text);
    } else {
        Out out = take_kept_out();
        Redo context = {NULL, stages, NULL, {{NULL, 0, 0, 4}, {NULL, 0, 0, 4}}, rec, {{0}, {0}}};
        if (scan_text(self, text, &out, &context) == 0)
            *str = out_str(&out);
        keep_out(&out);
        PyMem_Free(context.scratch[0].buf);
        PyMem_Free(context.scratch[1].buf);
        bounds_free(&context.stage_bounds[0]);
        bounds_free(&context.stage_bounds[1]);
        Py_XDECREF(context.stages);
    }
    if (*str && rec->in[rec->n - 1] != n && bounds_push(rec, n, PyUnicode_GET_LENGTH(*str)) < 0)
        Py_CLEAR(*str);
    return *str ? 0 : -1;
}

/* convert_text with the bounds of its units (Engine.convert_aligned);
 * packed, anchors only where the tables make every newline a unit of its
 * own (the cut-back needs to find the newlines it joined pieces with). */
static PyObject *aligned_text(Tables *self, PyObject *text, PyObject *stages, int ascii_inert, int packed,
                              int lone_newlines) {
    Bounds rec = {NULL, NULL, 0, 0, packed && lone_newlines};
    PyObject *str, *result = NULL;
    if (aligned_core(self, text, stages, ascii_inert, &rec, &str) == 0)
        result = bounds_result(str, &rec, packed, rec.anchors);
    Py_XDECREF(str);
    bounds_free(&rec);
    return result;
}

static PyObject *Tables_convert(Tables *self, PyObject *args) {
    PyObject *text, *stages;
    if (!PyArg_ParseTuple(args, "UO:convert", &text, &stages) || check_stages_arg(stages) < 0)
        return NULL;
    return convert_text(self, text, stages);
}

/* Tables.bind(stages, ascii_inert): convert(text, stages) as a callable of
 * one argument.  Engines hand it out as their convert function: a converter
 * called once per short text (a subtitle line, a page's prose from the
 * Markdown scanner) then goes from caller to C with no Python frame. */
typedef struct {
    PyObject_HEAD
    Tables *tables;
    PyObject *stages;
    int ascii_inert; /* no key or char entry is ASCII: ASCII text comes back as is */
    int lone_newlines; /* no table holds a newline: each is a unit of its own */
    vectorcallfunc vectorcall;
} Bound;

static PyTypeObject BoundType;

static void Bound_dealloc(Bound *self) {
    Py_XDECREF(self->tables);
    Py_XDECREF(self->stages);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Bound_vectorcall(PyObject *callable, PyObject *const *args, size_t nargsf, PyObject *kwnames) {
    Bound *self = (Bound *)callable;
    if (PyVectorcall_NARGS(nargsf) != 1 || (kwnames && PyTuple_GET_SIZE(kwnames))) {
        PyErr_SetString(PyExc_TypeError, "convert() takes exactly one argument (text)");
        return NULL;
    }
    PyObject *text = args[0];
    if (!PyUnicode_Check(text)) {
        PyErr_Format(PyExc_TypeError, "convert() argument must be str, not %.100s", Py_TYPE(text)->tp_name);
        return NULL;
    }
    if (PyUnicode_GET_LENGTH(text) == 0 || (self->ascii_inert && PyUnicode_IS_ASCII(text)))
        return Py_NewRef(text);
    return convert_text(self->tables, text, self->stages);
}

static PyObject *Bound_aligned_arg(Bound *self, PyObject *text, int packed) {
    if (!PyUnicode_Check(text)) {
        PyErr_Format(PyExc_TypeError, "convert_aligned() argument must be str, not %.100s",
                     Py_TYPE(text)->tp_name);
        return NULL;
    }
    return aligned_text(self->tables, text, self->stages, self->ascii_inert, packed, self->lone_newlines);
}

static PyObject *Bound_convert_aligned(Bound *self, PyObject *text) {
    return Bound_aligned_arg(self, text, 0);
}

static PyObject *Bound_convert_aligned_packed(Bound *self, PyObject *text) {
    return Bound_aligned_arg(self, text, 1);
}

static PyMethodDef Bound_methods[] = {
    {"convert_aligned", (PyCFunction)Bound_convert_aligned, METH_O,
     "convert_aligned(text) -> (out, in_bounds, out_bounds): the conversion with the bounds "
     "of its units (see zhnorm.engine.Engine.convert_aligned)."},
    {"convert_aligned_packed", (PyCFunction)Bound_convert_aligned_packed, METH_O,
     "convert_aligned_packed(text) -> (out, in_bytes, out_bytes, anchors): for zhnorm._mdscan, "
     "convert_aligned's bounds packed as native Py_ssize_t.  With anchors True (the chain "
     "makes every newline a unit of its own), only the text's ends and the ends of every unit "
     "that changes length; all other units keep their length and map linearly."},
    {NULL, NULL, 0, NULL},
};

static PyObject *Tables_bind(Tables *self, PyObject *args) {
    PyObject *stages;
    int ascii_inert, lone_newlines = 0;
    if (!PyArg_ParseTuple(args, "Op|p:bind", &stages, &ascii_inert, &lone_newlines) ||
        check_stages_arg(stages) < 0)
        return NULL;
    Bound *bound = PyObject_New(Bound, &BoundType);
    if (!bound)
        return NULL;
    bound->tables = (Tables *)Py_NewRef(self);
    bound->stages = Py_NewRef(stages);
    bound->ascii_inert = ascii_inert;
    bound->lone_newlines = lone_newlines;
    bound->vectorcall = Bound_vectorcall;
    return (PyObject *)bound;
}

/* The C API that zhnorm._mdscan imports (capsule zhnorm._accel._C_API):
 * an aligned conversion by a Bound with no Python object but the output,
 * the anchors handed over in PyMem arrays.  _mdscan declares the same
 * struct; `version` guards the layout. */
typedef struct {
    int version;
    PyTypeObject *bound_type;
    int (*aligned)(PyObject *bound, PyObject *text, PyObject **str, Py_ssize_t **in, Py_ssize_t **out,
                   Py_ssize_t *n, int *anchors);
} AccelCAPI;

static int capi_aligned(PyObject *bound, PyObject *text, PyObject **str, Py_ssize_t **in, Py_ssize_t **out,
                        Py_ssize_t *n, int *anchors) {
    Bound *self = (Bound *)bound;
    Bounds rec = {NULL, NULL, 0, 0, self->lone_newlines};
    if (aligned_core(self->tables, text, self->stages, self->ascii_inert, &rec, str) < 0) {
        bounds_free(&rec);
        return -1;
    }
    *in = rec.in;
    *out = rec.out;
    *n = rec.n;
    *anchors = rec.anchors;
    return 0;
}

static PyTypeObject BoundType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "zhnorm._accel.Bound",
    .tp_basicsize = sizeof(Bound),
    .tp_dealloc = (destructor)Bound_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_vectorcall_offset = offsetof(Bound, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_doc = "Tables.convert with its stages bound: call it with the text.",
    .tp_methods = Bound_methods,
};

static PyObject *Tables_sizeof(Tables *self, PyObject *Py_UNUSED(ignored)) {
    size_t size = sizeof(Tables);
    const Trie *tries[2] = {&self->keys, &self->triggers};
    for (int t = 0; t < 2; t++)
        size += tries[t]->n_nodes * (sizeof(Node) + 2 * sizeof(uint32_t));
    size += (size_t)self->codes.n_blocks * BLOCK_SIZE * sizeof(Entry);
    size += ((size_t)1 << (64 - self->pairs.shift)) / 8;
    size += ((size_t)1 << (64 - self->trigger_pairs.shift)) / 8;
    size_t pool = 0;
    for (Py_ssize_t k = 0; k < self->n_values; k++)
        pool += self->value_length[k];
    size += pool * (sizeof(Py_UCS4) + sizeof(Py_UCS2)) +
            (size_t)self->n_values * (2 * sizeof(uint32_t) + 1);
    return PyLong_FromSize_t(size);
}

static PyMethodDef Tables_methods[] = {
    {"scan", (PyCFunction)Tables_scan, METH_O,
     "scan(text) -> (out, stretches): one pass; see zhnorm.accel.FastPass.scan."},
    {"convert", (PyCFunction)Tables_convert, METH_VARARGS,
     "convert(text, stages) -> str: scan(), with each reported stretch run through "
     "`stages` (a tuple of Tables, or a callable returning one, called when first needed)."},
    {"bind", (PyCFunction)Tables_bind, METH_VARARGS,
     "bind(stages, ascii_inert, lone_newlines=False) -> callable: convert(text, stages) as a "
     "function of the text; with ascii_inert, ASCII text is returned as it is; lone_newlines "
     "(no key, trigger, char or normalisation entry of the chain or its stages holds a newline) "
     "lets convert_aligned_packed return anchors only."},
    {"__sizeof__", (PyCFunction)Tables_sizeof, METH_NOARGS, "Bytes held, tables included."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject TablesType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "zhnorm._accel.Tables",
    .tp_basicsize = sizeof(Tables),
    .tp_dealloc = (destructor)Tables_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Tables(keys, values, chars, triggers, normalization=None): a compiled "
              "chain's fast-pass tables.",
    .tp_methods = Tables_methods,
    .tp_new = Tables_new,
};

/* Each piece through every stage in turn: what OpenCC does to one segment.
 * A stage is a maximum forward match of its dictionary, which is a scan()
 * with no triggers; the pieces pass between stages as UCS4 buffers, so only
 * the final strings are built. */
static PyObject *accel_chain(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *stages, *pieces;
    if (!PyArg_ParseTuple(args, "O!O!:chain", &PyTuple_Type, &stages, &PyList_Type, &pieces))
        return NULL;
    Py_ssize_t n_pieces = PyList_GET_SIZE(pieces);
    if (check_stages(stages) < 0)
        return NULL;
    PyObject *result = PyList_New(n_pieces);
    if (result == NULL)
        return NULL;
    Out bufs[2] = {{NULL, 0, 0, 4}, {NULL, 0, 0, 4}};
    for (Py_ssize_t p = 0; p < n_pieces; p++) {
        if (p >= PyList_GET_SIZE(pieces)) { /* a finaliser run by the allocator shrank it */
            PyErr_SetString(PyExc_RuntimeError, "pieces changed size during chain()");
            goto fail;
        }
        PyObject *piece = PyList_GET_ITEM(pieces, p);
        if (!PyUnicode_Check(piece) || READY(piece) < 0) {
            PyErr_SetString(PyExc_TypeError, "pieces must be str");
            goto fail;
        }
        int kind = PyUnicode_KIND(piece);
        const void *data = PyUnicode_DATA(piece);
        Py_ssize_t len = PyUnicode_GET_LENGTH(piece);
        if (run_stages(stages, &kind, &data, &len, bufs, NULL, NULL) < 0)
            goto fail;
        PyObject *converted = PyTuple_GET_SIZE(stages) ? PyUnicode_FromKindAndData(kind, data, len)
                                                       : Py_NewRef(piece);
        if (converted == NULL)
            goto fail;
        PyList_SET_ITEM(result, p, converted);
    }
    PyMem_Free(bufs[0].buf);
    PyMem_Free(bufs[1].buf);
    return result;
fail:
    PyMem_Free(bufs[0].buf);
    PyMem_Free(bufs[1].buf);
    Py_DECREF(result);
    return NULL;
}

static PyMethodDef accel_functions[] = {
    {"chain", accel_chain, METH_VARARGS,
     "chain(stages, pieces) -> list: each str of the list `pieces` through every Tables "
     "of the tuple `stages` in turn (maximum forward match of each)."},
    {NULL, NULL, 0, NULL},
};

/* At interpreter exit: the kept output buffer goes too. */
static void accel_free(void *Py_UNUSED(module)) {
    PyMem_Free(kept_buf);
    kept_buf = NULL;
    kept_bytes = 0;
}

static struct PyModuleDef accel_module = {
    PyModuleDef_HEAD_INIT, "zhnorm._accel",
    "The engine's fast pass in C; use it through zhnorm.accel.", -1, accel_functions,
    NULL, NULL, NULL, accel_free,
};

PyMODINIT_FUNC PyInit__accel(void) {
    if (PyType_Ready(&TablesType) < 0 || PyType_Ready(&BoundType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&accel_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&TablesType);
    if (PyModule_AddObject(m, "Tables", (PyObject *)&TablesType) < 0) {
        Py_DECREF(&TablesType);
        Py_DECREF(m);
        return NULL;
    }
    static AccelCAPI capi = {1, &BoundType, capi_aligned};
    PyObject *capsule = PyCapsule_New(&capi, "zhnorm._accel._C_API", NULL);
    if (!capsule || PyModule_AddObject(m, "_C_API", capsule) < 0) {
        Py_XDECREF(capsule);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
