/* liveview.core._tracking: change tracking's "unchanged since the last render?" check, in C.
 *
 * The rule is liveview/core/tracking.py's (docs/templates.md, "Change tracking"): a value is
 * unchanged when it has the same content, type for type (1, 1.0 and True differ; so do 0.0
 * and -0.0; a str and an equal SafeString differ), with dicts in the same key order. The
 * pure-Python way to prove it is marshal.dumps() of the value at every render and a bytes
 * compare; this module does the same proof for plain data without writing anything:
 *
 * - freeze(value): a Frozen form of `value` when it is made only of exact list, tuple and
 *   dict, and atoms of exact type None, bool, int, float, complex, str and bytes (and the
 *   str subclasses given to register_str_type: SafeString); None when anything else is
 *   inside (other subclasses, sets, Decimal, any object), or when it
 *   is nested deeper than MAX_DEPTH or holds more than MAX_ITEMS entries: the caller then
 *   takes the marshal path.
 * - unchanged(value, frozen): whether `value` has the content `frozen` was taken of. No
 *   allocation and no Python code on the way: pointer and type compares, plus C-level
 *   equality for equal atoms held by other objects.
 *
 * The Frozen form is one flat array in pre-order: for a container a header word (its kind and
 * length, tagged with the low bit, which no object pointer has), then its items (a dict: key,
 * value, key, value... in iteration order); an atom is held as itself (a strong reference).
 *
 * A dict whose keys and values are all atoms (a table's row) also keeps, right after its
 * header, the dict's version tag (PEP 509, CPython 3.11 to 3.13: a number taken from a global
 * counter at every creation and every change of any dict, so no two dict states share one).
 * When the dict checked has that very tag, it is the same dict with the same keys and the same
 * atom objects, which cannot change: the check passes it without reading its entries (one
 * cache line for the whole row, where reading its table takes three or four). Any other tag
 * (the row was changed, even back to equal content, or it is another dict) takes the full
 * compare, and an equal content then takes the new tag, so the next check is the short one.
 * Holding the atoms is what makes `is` a proof: an object we hold cannot be freed, so no other
 * object can take its address, and atoms cannot change. Frozen holds nothing but atoms, so it
 * cannot be part of a reference cycle and is not tracked by the garbage collector.
 *
 * Neither function runs Python code (no __eq__, __hash__ or __del__ of the user's objects:
 * only exact built-in types are looked into), so the value cannot change under the walk.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Deeper values take the marshal path (which has its own limit); C recursion stays small. */
#define MAX_DEPTH 100
/* Entries of one Frozen form (8 bytes each), so a header's length always fits its word. */
#define MAX_ITEMS ((Py_ssize_t)1 << 24)

enum { KIND_LIST = 0, KIND_TUPLE = 1, KIND_DICT = 2, KIND_ATOM_DICT = 3 };

/* Dict version tags: CPython 3.11 to 3.13 keep one in every dict (3.12 deprecates the field,
 * 3.14 no longer counts changes in it); 64 bits, so that it fits the Frozen form's word. */
#if PY_VERSION_HEX < 0x030E0000 && SIZEOF_VOID_P == 8 && !defined(Py_GIL_DISABLED)
#define DICT_VERSIONS 1
static inline uint64_t
dict_version(PyObject *dict)
{
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
    return ((PyDictObject *)dict)->ma_version_tag;
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
}
#else
#define DICT_VERSIONS 0
#endif

#define HEADER(kind, n) \
    ((PyObject *)(((uintptr_t)(n) << 3) | ((uintptr_t)(kind) << 1) | (uintptr_t)1))
#define IS_HEADER(p) (((uintptr_t)(p)) & (uintptr_t)1)
#define HEADER_KIND(p) ((int)((((uintptr_t)(p)) >> 1) & (uintptr_t)3))
#define HEADER_LEN(p) ((Py_ssize_t)(((uintptr_t)(p)) >> 3))

typedef struct {
    PyObject_VAR_HEAD
    PyObject *items[1];
} FrozenObject;

static PyTypeObject FrozenType;

/* Drop the references of a Frozen form's entries: every atom; not the headers, nor the
 * version word after an atom dict's header (a number, whatever its bits look like). */
static void
release(PyObject **items, Py_ssize_t n)
{
    Py_ssize_t i;
    for (i = 0; i < n; i++) {
        if (IS_HEADER(items[i])) {
            if (HEADER_KIND(items[i]) == KIND_ATOM_DICT) {
                i++;
            }
        }
        else {
            Py_DECREF(items[i]);
        }
    }
}

static void
frozen_dealloc(FrozenObject *self)
{
    release(self->items, Py_SIZE(self));
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
frozen_repr(FrozenObject *self)
{
    return PyUnicode_FromFormat("<Frozen of %zd entries>", Py_SIZE(self));
}

static PyTypeObject FrozenType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "liveview.core._tracking.Frozen",
    .tp_doc = PyDoc_STR("A value's content as freeze() took it (compare with unchanged())."),
    .tp_basicsize = offsetof(FrozenObject, items),
    .tp_itemsize = sizeof(PyObject *),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_dealloc = (destructor)frozen_dealloc,
    .tp_repr = (reprfunc)frozen_repr,
};

/* freeze ------------------------------------------------------------------------------------ */

typedef struct {
    PyObject **items;
    Py_ssize_t n;
    Py_ssize_t cap;
} Buffer;

/* Results of put(): stored, cannot be frozen (the caller falls back), or an error is set. */
#define PUT_OK 0
#define PUT_NO 1
#define PUT_ERROR -1

static int
push(Buffer *buf, PyObject *entry)
{
    if (buf->n == buf->cap) {
        Py_ssize_t cap = buf->cap ? buf->cap * 2 : 64;
        PyObject **items;
        if (buf->n >= MAX_ITEMS) {
            return PUT_NO;
        }
        items = PyMem_Realloc(buf->items, (size_t)cap * sizeof(PyObject *));
        if (items == NULL) {
            PyErr_NoMemory();
            return PUT_ERROR;
        }
        buf->items = items;
        buf->cap = cap;
    }
    buf->items[buf->n++] = entry;
    return PUT_OK;
}

/* str subclasses taken as atoms of their own exact type (register_str_type: Django's
 * SafeString). Only slotted ones without an instance dict: their value is their text, which
 * cannot change. Compared as text, with str's own C comparison. */
#define MAX_STR_TYPES 4
static PyTypeObject *str_types[MAX_STR_TYPES];
static int n_str_types = 0;

static int
is_str_type(PyTypeObject *type)
{
    int i;
    for (i = 0; i < n_str_types; i++) {
        if (type == str_types[i]) {
            return 1;
        }
    }
    return 0;
}

static int
is_atom(PyObject *value)
{
    PyTypeObject *type = Py_TYPE(value);
    return (type == &PyUnicode_Type || type == &PyLong_Type || type == &PyBool_Type
            || value == Py_None || type == &PyFloat_Type || type == &PyBytes_Type
            || type == &PyComplex_Type || (n_str_types && is_str_type(type)));
}

static int put(Buffer *buf, PyObject *value, int depth);

#if DICT_VERSIONS
/* Whether a dict's keys and values are all atoms: its version tag then covers its content. */
static int
atoms_only(PyObject *dict)
{
    Py_ssize_t pos = 0;
    PyObject *key, *item;
    while (PyDict_Next(dict, &pos, &key, &item)) {
        if (!is_atom(key) || !is_atom(item)) {
            return 0;
        }
    }
    return 1;
}
#endif

static int
put_items(Buffer *buf, int kind, PyObject *const *items, Py_ssize_t n, int depth)
{
    Py_ssize_t i;
    int result;
    if (n > MAX_ITEMS) {
        return PUT_NO;
    }
    result = push(buf, HEADER(kind, n));
    for (i = 0; result == PUT_OK && i < n; i++) {
        result = put(buf, items[i], depth + 1);
    }
    return result;
}

static int
put(Buffer *buf, PyObject *value, int depth)
{
    PyTypeObject *type = Py_TYPE(value);
    if (is_atom(value)) {
        int result = push(buf, value);
        if (result == PUT_OK) {
            Py_INCREF(value);
        }
        return result;
    }
    if (depth >= MAX_DEPTH) {
        return PUT_NO;
    }
    if (type == &PyList_Type) {
        return put_items(buf, KIND_LIST, ((PyListObject *)value)->ob_item,
                         PyList_GET_SIZE(value), depth);
    }
    if (type == &PyTuple_Type) {
        return put_items(buf, KIND_TUPLE, ((PyTupleObject *)value)->ob_item,
                         PyTuple_GET_SIZE(value), depth);
    }
    if (type == &PyDict_Type) {
        Py_ssize_t pos = 0, n = PyDict_GET_SIZE(value);
        PyObject *key, *item;
        int result;
        if (n > MAX_ITEMS) {
            return PUT_NO;
        }
#if DICT_VERSIONS
        if (atoms_only(value)) {
            result = push(buf, HEADER(KIND_ATOM_DICT, n));
            if (result == PUT_OK) {
                result = push(buf, (PyObject *)(uintptr_t)dict_version(value));
            }
        }
        else
#endif
        {
            result = push(buf, HEADER(KIND_DICT, n));
        }
        while (result == PUT_OK && PyDict_Next(value, &pos, &key, &item)) {
            result = put(buf, key, depth + 1);
            if (result == PUT_OK) {
                result = put(buf, item, depth + 1);
            }
        }
        return result;
    }
    return PUT_NO;
}

static PyObject *
freeze(PyObject *module, PyObject *value)
{
    Buffer buf = {NULL, 0, 0};
    FrozenObject *frozen = NULL;
    int result = put(&buf, value, 0);
    if (result == PUT_OK) {
        frozen = PyObject_NewVar(FrozenObject, &FrozenType, buf.n);
        if (frozen != NULL) {
            memcpy(frozen->items, buf.items, (size_t)buf.n * sizeof(PyObject *));
        }
    }
    if (frozen == NULL) {
        release(buf.items, buf.n);
    }
    PyMem_Free(buf.items);
    if (frozen != NULL) {
        return (PyObject *)frozen;
    }
    if (result == PUT_NO) {
        Py_RETURN_NONE;
    }
    return NULL;  /* MemoryError */
}

/* unchanged --------------------------------------------------------------------------------- */

typedef struct {
    PyObject **items;
    Py_ssize_t n;
    Py_ssize_t pos;
} Walk;

static int
bits_equal(double a, double b)
{
    return memcmp(&a, &b, sizeof(double)) == 0;
}

/* Whether `value` (not the object held in *slot) is an atom of the same content. When it is,
 * the slot takes `value` in place of the old object: the old one is freed once nothing else
 * holds it (a view that rebuilds equal data at each event keeps one copy, not two), and the
 * next check of the same object is an identity check. */
static int
same_atom(PyObject *value, PyObject **slot)
{
    PyObject *held = *slot;
    PyTypeObject *type = Py_TYPE(value);
    richcmpfunc compare;
    if (type != Py_TYPE(held)) {
        return 0;
    }
    /* The exact built-in types' own comparison (str's for a registered str type, whose
     * inherited slot might be a Python one): C code, no user code. */
    compare = (type == &PyUnicode_Type || type == &PyLong_Type || type == &PyBytes_Type)
              ? type->tp_richcompare
              : is_str_type(type) ? PyUnicode_Type.tp_richcompare : NULL;
    if (compare != NULL) {
        PyObject *result = compare(value, held, Py_EQ);
        int equal;
        if (result == NULL) {
            PyErr_Clear();  /* cannot happen for these types; not a proof either way */
            return 0;
        }
        equal = result == Py_True;
        Py_DECREF(result);
        if (!equal) {
            return 0;
        }
    }
    else if (type == &PyFloat_Type) {
        /* Bit for bit: 0.0 and -0.0 render differently; a NaN is the NaN it was. */
        if (!bits_equal(PyFloat_AS_DOUBLE(value), PyFloat_AS_DOUBLE(held))) {
            return 0;
        }
    }
    else if (type == &PyComplex_Type) {
        Py_complex a = ((PyComplexObject *)value)->cval, b = ((PyComplexObject *)held)->cval;
        if (!bits_equal(a.real, b.real) || !bits_equal(a.imag, b.imag)) {
            return 0;
        }
    }
    else {
        return 0;  /* None, True, False are singletons: another object is another value */
    }
    Py_INCREF(value);
    *slot = value;
    Py_DECREF(held);
    return 1;
}

static int same(Walk *walk, PyObject *value, int depth);

/* One item of a container: the very object held (an atom: a header never equals a pointer),
 * else the full check. Inline, as most items of unchanged data are the objects held. */
#define SAME_ITEM(walk, item, depth)                                                \
    ((walk)->items[(walk)->pos] == (item) ? ((walk)->pos++, 1) : same((walk), (item), (depth)))

#if DICT_VERSIONS
/* Whether `value` is the atom dict whose `header` is at walk->pos, with the very version tag
 * held after it (this dict, as it was): the walk then passes its entries unread. */
static inline int
passed_as_it_was(Walk *walk, PyObject *header, PyObject *value)
{
    Py_ssize_t end = walk->pos + 2 + 2 * HEADER_LEN(header);
    if (HEADER_KIND(header) != KIND_ATOM_DICT || Py_TYPE(value) != &PyDict_Type
        || end > walk->n || (uintptr_t)walk->items[walk->pos + 1] != dict_version(value)) {
        return 0;
    }
    walk->pos = end;
    return 1;
}
#endif

static int
same_items(Walk *walk, PyObject *const *items, Py_ssize_t n, int depth)
{
    Py_ssize_t i;
    for (i = 0; i < n; i++) {
#if DICT_VERSIONS
        /* A table's rows: each passed here, without a call, when it is as it was. */
        PyObject *held = walk->items[walk->pos];
        if (IS_HEADER(held) && passed_as_it_was(walk, held, items[i])) {
            continue;
        }
#endif
        if (!SAME_ITEM(walk, items[i], depth)) {
            return 0;
        }
    }
    return 1;
}

/* Whether `value` is a dict of `n` entries with the keys and values from walk->pos on. */
static int
same_dict(Walk *walk, PyObject *value, Py_ssize_t n, int depth)
{
    Py_ssize_t i, pos = 0;
    PyObject *key, *item;
    if (Py_TYPE(value) != &PyDict_Type || PyDict_GET_SIZE(value) != n) {
        return 0;
    }
    /* Iteration order is insertion order: the keys in the same order, or a change.
     * Exactly n entries, so no last PyDict_Next call to find the end. */
    for (i = 0; i < n; i++) {
        if (!PyDict_Next(value, &pos, &key, &item) || !SAME_ITEM(walk, key, depth + 1)
            || !SAME_ITEM(walk, item, depth + 1)) {
            return 0;
        }
    }
    return 1;
}

/* Whether `value` has the content of the entries from walk->pos on, which it then passes.
 * The Frozen form is well formed (freeze wrote each header's items in full), so a walk that
 * follows its headers stays inside it; the bound is checked anyway, as it is cheap here. */
static int
same(Walk *walk, PyObject *value, int depth)
{
    PyObject **slot, *held;
    Py_ssize_t n;
    if (walk->pos >= walk->n) {
        return 0;
    }
    slot = &walk->items[walk->pos];
    held = *slot;
#if DICT_VERSIONS
    if (IS_HEADER(held) && passed_as_it_was(walk, held, value)) {
        return 1;
    }
#endif
    walk->pos++;
    if (!IS_HEADER(held)) {
        return value == held || same_atom(value, slot);
    }
    if (depth >= MAX_DEPTH) {
        return 0;
    }
    n = HEADER_LEN(held);
    switch (HEADER_KIND(held)) {
    case KIND_LIST:
        return (Py_TYPE(value) == &PyList_Type && PyList_GET_SIZE(value) == n
                && same_items(walk, ((PyListObject *)value)->ob_item, n, depth + 1));
    case KIND_TUPLE:
        return (Py_TYPE(value) == &PyTuple_Type && PyTuple_GET_SIZE(value) == n
                && same_items(walk, ((PyTupleObject *)value)->ob_item, n, depth + 1));
    case KIND_DICT:
        return same_dict(walk, value, n, depth);
#if DICT_VERSIONS
    case KIND_ATOM_DICT: {
        PyObject **version;
        if (walk->pos + 1 + 2 * n > walk->n) {
            return 0;
        }
        /* Not as it was (see passed_as_it_was, above): compared entry by entry. */
        version = &walk->items[walk->pos++];
        if (!same_dict(walk, value, n, depth)) {
            return 0;
        }
        *version = (PyObject *)(uintptr_t)dict_version(value);
        return 1;
    }
#endif
    default:
        return 0;
    }
}

static PyObject *
unchanged(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    FrozenObject *frozen;
    Walk walk;
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "unchanged() takes 2 arguments (%zd given)", nargs);
        return NULL;
    }
    /* Anything but a Frozen form (e.g. a marshal snapshot) proves nothing. */
    if (Py_TYPE(args[1]) != &FrozenType) {
        Py_RETURN_FALSE;
    }
    frozen = (FrozenObject *)args[1];
    walk.items = frozen->items;
    walk.n = Py_SIZE(frozen);
    walk.pos = 0;
    if (same(&walk, args[0], 0) && walk.pos == walk.n) {
        Py_RETURN_TRUE;
    }
    Py_RETURN_FALSE;
}

static PyObject *
register_str_type(PyObject *module, PyObject *arg)
{
    PyTypeObject *type;
    if (!PyType_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "register_str_type() takes a type");
        return NULL;
    }
    type = (PyTypeObject *)arg;
    if (type == &PyUnicode_Type || !PyType_IsSubtype(type, &PyUnicode_Type)
        || type->tp_dictoffset != 0) {
        PyErr_Format(PyExc_TypeError, "%s is not a str subclass without an instance dict "
                     "(its value could change)", type->tp_name);
        return NULL;
    }
    if (is_str_type(type)) {
        Py_RETURN_NONE;
    }
    if (n_str_types == MAX_STR_TYPES) {
        PyErr_SetString(PyExc_ValueError, "too many str types registered");
        return NULL;
    }
    Py_INCREF(type);  /* held for the life of the process, as the module is */
    str_types[n_str_types++] = type;
    Py_RETURN_NONE;
}

/* The module ---------------------------------------------------------------------------------- */

static PyMethodDef methods[] = {
    {"freeze", (PyCFunction)freeze, METH_O,
     PyDoc_STR("freeze(value, /)\n--\n\n"
               "A Frozen form of value's content, or None when value holds anything but exact "
               "list, tuple, dict, None, bool, int, float, complex, str and bytes, or is too "
               "deep or too large.")},
    {"unchanged", (PyCFunction)(void (*)(void))unchanged, METH_FASTCALL,
     PyDoc_STR("unchanged(value, frozen, /)\n--\n\n"
               "Whether value has exactly the content frozen was taken of (type for type, "
               "floats bit for bit, dict keys in order). False when frozen is not a Frozen.")},
    {"register_str_type", (PyCFunction)register_str_type, METH_O,
     PyDoc_STR("register_str_type(type, /)\n--\n\n"
               "Take instances of `type`, a str subclass without an instance dict (Django's "
               "SafeString), as atoms of their own exact type from now on.")},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "liveview.core._tracking",
    .m_doc = PyDoc_STR("Change tracking's strict content check, in C (see tracking.py)."),
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC
PyInit__tracking(void)
{
    PyObject *module;
    if (PyType_Ready(&FrozenType) < 0) {
        return NULL;
    }
    module = PyModule_Create(&module_def);
    if (module == NULL) {
        return NULL;
    }
    if (PyModule_AddObjectRef(module, "Frozen", (PyObject *)&FrozenType) < 0
        || PyModule_AddIntConstant(module, "MAX_DEPTH", MAX_DEPTH) < 0
        || PyModule_AddIntConstant(module, "MAX_ITEMS", (long)MAX_ITEMS) < 0
        || PyModule_AddIntConstant(module, "DICT_VERSIONS", DICT_VERSIONS) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
