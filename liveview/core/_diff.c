/* liveview.core._diff: the diff's walk over one node's dynamics, in C.
 *
 * diff_dynamics(diff_value, old, new) is liveview/core/diff.py's `_diff_dynamics`, step for
 * step: for each key and value of `new`, in order, the value the client holds (`old.get(key)`)
 * is compared with it; an unchanged value and the statics ("s") are left out, a changed
 * non-dict value goes as it is, and a changed dict is handed to `diff_value(prev, value)`
 * (diff.py's `_diff_value`, in Python: nested nodes, comprehensions, streams), whose result
 * goes when it is not empty. Every diff of every view walks its root node here: a click of a
 * small template is mostly this loop, which costs ~3.8k instructions in Python.
 * diff_tree(diff_value, old, new) is diff.py's `diff_tree` around it, without a Python frame.
 *
 * The comparisons are Python's own (`is`, then `==`), so the result is the pure-Python one's
 * whatever the values are; diff.py falls back to that one when this module is not built.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *STATIC;  /* "s": a node's statics, never part of its diff */

static PyObject *
diff_dynamics(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *diff_value, *old, *new, *out, *key, *value, *prev, *change;
    Py_ssize_t pos = 0;
    int skip;
    if (nargs != 3) {
        PyErr_Format(PyExc_TypeError, "diff_dynamics() takes 3 arguments (%zd given)", nargs);
        return NULL;
    }
    diff_value = args[0];
    old = args[1];
    new = args[2];
    if (!PyDict_Check(old) || !PyDict_Check(new)) {
        PyErr_SetString(PyExc_TypeError, "diff_dynamics() compares two dicts");
        return NULL;
    }
    out = PyDict_New();
    if (out == NULL) {
        return NULL;
    }
    while (PyDict_Next(new, &pos, &key, &value)) {
        /* Held across the comparisons and the call, which may run Python code. */
        Py_INCREF(key);
        Py_INCREF(value);
        prev = PyDict_GetItemWithError(old, key);
        if (prev == NULL) {
            if (PyErr_Occurred()) {
                goto error;
            }
            prev = Py_None;  /* `old.get(key)` */
        }
        Py_INCREF(prev);
        skip = prev == value;
        if (!skip) {
            skip = PyObject_RichCompareBool(key, STATIC, Py_EQ);
        }
        if (!skip) {
            skip = PyObject_RichCompareBool(prev, value, Py_EQ);
        }
        if (skip < 0) {
            Py_DECREF(prev);
            goto error;
        }
        if (!skip) {
            if (!PyDict_Check(value)) {  /* a changed text: sent as it is */
                if (PyDict_SetItem(out, key, value) < 0) {
                    Py_DECREF(prev);
                    goto error;
                }
            }
            else {
                change = PyObject_CallFunctionObjArgs(diff_value, prev, value, NULL);
                if (change == NULL) {
                    Py_DECREF(prev);
                    goto error;
                }
                skip = PyObject_Not(change);  /* an empty change: nothing changed */
                if (skip < 0 || (!skip && PyDict_SetItem(out, key, change) < 0)) {
                    Py_DECREF(change);
                    Py_DECREF(prev);
                    goto error;
                }
                Py_DECREF(change);
            }
        }
        Py_DECREF(prev);
        Py_DECREF(value);
        Py_DECREF(key);
    }
    return out;

error:
    Py_DECREF(value);
    Py_DECREF(key);
    Py_DECREF(out);
    return NULL;
}

/* diff_tree(diff_value, old, new): diff.py's `_python_diff_tree` (the whole tree when the
 * client holds none or other statics, else `diff_dynamics`), without its Python frame. */
static PyObject *
diff_tree(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *old, *new, *statics, *held;
    int same;
    if (nargs != 3) {
        PyErr_Format(PyExc_TypeError, "diff_tree() takes 3 arguments (%zd given)", nargs);
        return NULL;
    }
    old = args[1];
    new = args[2];
    if (old == Py_None) {
        return Py_NewRef(new);
    }
    if (!PyDict_Check(old) || !PyDict_Check(new)) {
        PyErr_SetString(PyExc_TypeError, "diff_tree() compares two dicts");
        return NULL;
    }
    statics = PyDict_GetItemWithError(new, STATIC);
    if (statics == NULL && PyErr_Occurred()) {
        return NULL;
    }
    held = PyDict_GetItemWithError(old, STATIC);
    if (held == NULL && PyErr_Occurred()) {
        return NULL;
    }
    if (statics == NULL) {
        statics = Py_None;
    }
    if (held == NULL) {
        held = Py_None;
    }
    /* (The same template renders the same statics object: no list to compare.) */
    if (held != statics) {
        Py_INCREF(held);
        Py_INCREF(statics);
        same = PyObject_RichCompareBool(held, statics, Py_EQ);
        Py_DECREF(held);
        Py_DECREF(statics);
        if (same < 0) {
            return NULL;
        }
        if (!same) {
            return Py_NewRef(new);
        }
    }
    return diff_dynamics(module, args, nargs);
}

static PyMethodDef methods[] = {
    {"diff_tree", (PyCFunction)(void (*)(void))diff_tree, METH_FASTCALL,
     PyDoc_STR("diff_tree(diff_value, old, new, /)\n--\n\n"
               "The wire diff from tree old (None: the client holds none) to tree new "
               "(liveview.core.diff.diff_tree); new itself when it goes whole.")},
    {"diff_dynamics", (PyCFunction)(void (*)(void))diff_dynamics, METH_FASTCALL,
     PyDoc_STR("diff_dynamics(diff_value, old, new, /)\n--\n\n"
               "What changed from node old to node new (liveview.core.diff._diff_dynamics); "
               "changed dicts are diffed by diff_value(prev, value).")},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "liveview.core._diff",
    .m_doc = PyDoc_STR("The diff's walk over a node's dynamics, in C (see diff.py)."),
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC
PyInit__diff(void)
{
    STATIC = PyUnicode_InternFromString("s");
    if (STATIC == NULL) {
        return NULL;
    }
    return PyModule_Create(&module_def);
}
