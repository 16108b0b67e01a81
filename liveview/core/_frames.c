/* liveview.core._frames: the checks every client frame passes, in C.
 *
 * - head_fits(data): liveview/core/protocol.py's `_python_head_fits`: whether a decoded text
 *   frame is a list of 5 whose head decode_text accepts (join_ref and ref null or a string of
 *   at most MAX_REF_CHARS characters, topic and event strings of at most MAX_TOPIC_CHARS and
 *   MAX_EVENT_CHARS, the payload an object).
 * - fits_event(payload): liveview/core/schema.py's `_python_fits_event`: whether an `event`
 *   payload passes the router's one-expression check of the usual event.
 *
 * Both are called at every click, where the Python expressions cost ~5k instructions between
 * them; here they are type and length checks, with the same results (the Python ones stay as
 * the fallback when this module is not built, and the tests compare the two). No Python code
 * runs: only exact-layout checks of built-in types (str and dict subclasses included, as
 * isinstance includes them).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* protocol.py's limits, given by it at import (`set_limits`) so that they are one number. */
static Py_ssize_t max_ref_chars = -1, max_topic_chars = -1, max_event_chars = -1;
static PyObject *EVENT, *TYPE, *META, *UPLOADS, *CID;

static int
ref_fits(PyObject *ref)
{
    return ref == Py_None
        || (PyUnicode_Check(ref) && PyUnicode_GET_LENGTH(ref) <= max_ref_chars);
}

static PyObject *
head_fits(PyObject *module, PyObject *data)
{
    PyObject *topic, *event;
    if (max_ref_chars < 0) {
        PyErr_SetString(PyExc_RuntimeError, "head_fits() before set_limits()");
        return NULL;
    }
    if (!PyList_Check(data) || PyList_GET_SIZE(data) != 5) {
        Py_RETURN_FALSE;
    }
    topic = PyList_GET_ITEM(data, 2);
    event = PyList_GET_ITEM(data, 3);
    if (ref_fits(PyList_GET_ITEM(data, 0)) && ref_fits(PyList_GET_ITEM(data, 1))
        && PyUnicode_Check(topic) && PyUnicode_Check(event)
        && PyUnicode_GET_LENGTH(topic) <= max_topic_chars
        && PyUnicode_GET_LENGTH(event) <= max_event_chars
        && PyDict_Check(PyList_GET_ITEM(data, 4))) {
        Py_RETURN_TRUE;
    }
    Py_RETURN_FALSE;
}

/* 1: `key` is absent or its value fits `ok`; 0: it does not; -1: an error (a key's hash). */
static int
optional_fits(PyObject *payload, PyObject *key, int (*ok)(PyObject *))
{
    PyObject *value = PyDict_GetItemWithError(payload, key);
    if (value == NULL) {
        return PyErr_Occurred() ? -1 : 1;
    }
    return value == Py_None || ok(value);
}

static int
is_str(PyObject *value)
{
    return PyUnicode_Check(value);
}

static int
is_dict(PyObject *value)
{
    return PyDict_Check(value);
}

static int
is_int(PyObject *value)  /* an int, not a bool */
{
    return PyLong_Check(value) && !PyBool_Check(value);
}

static PyObject *
fits_event(PyObject *module, PyObject *payload)
{
    PyObject *event;
    int fits;
    if (!PyDict_Check(payload)) {
        PyErr_SetString(PyExc_TypeError, "fits_event() takes a dict");
        return NULL;
    }
    event = PyDict_GetItemWithError(payload, EVENT);
    if (event == NULL && PyErr_Occurred()) {
        return NULL;
    }
    fits = event != NULL && PyUnicode_Check(event);
    if (fits > 0) {
        fits = optional_fits(payload, TYPE, is_str);
    }
    if (fits > 0) {
        fits = optional_fits(payload, META, is_dict);
    }
    if (fits > 0) {
        fits = optional_fits(payload, UPLOADS, is_dict);
    }
    if (fits > 0) {
        fits = optional_fits(payload, CID, is_int);
    }
    if (fits < 0) {
        return NULL;
    }
    return PyBool_FromLong(fits);
}

static PyObject *
set_limits(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t limits[3];
    Py_ssize_t i;
    if (nargs != 3) {
        PyErr_Format(PyExc_TypeError, "set_limits() takes 3 arguments (%zd given)", nargs);
        return NULL;
    }
    for (i = 0; i < 3; i++) {
        limits[i] = PyLong_AsSsize_t(args[i]);
        if (limits[i] == -1 && PyErr_Occurred()) {
            return NULL;
        }
        if (limits[i] < 0) {
            PyErr_SetString(PyExc_ValueError, "limits must not be negative");
            return NULL;
        }
    }
    max_ref_chars = limits[0];
    max_topic_chars = limits[1];
    max_event_chars = limits[2];
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"head_fits", (PyCFunction)head_fits, METH_O,
     PyDoc_STR("head_fits(data, /)\n--\n\n"
               "Whether data is a list of 5 whose head decode_text accepts "
               "(liveview.core.protocol._python_head_fits).")},
    {"fits_event", (PyCFunction)fits_event, METH_O,
     PyDoc_STR("fits_event(payload, /)\n--\n\n"
               "Whether an event payload passes the usual event's check "
               "(liveview.core.schema._python_fits_event).")},
    {"set_limits", (PyCFunction)(void (*)(void))set_limits, METH_FASTCALL,
     PyDoc_STR("set_limits(max_ref_chars, max_topic_chars, max_event_chars, /)\n--\n\n"
               "The head's length limits (protocol.py's), given once at import.")},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "liveview.core._frames",
    .m_doc = PyDoc_STR("The checks every client frame passes, in C (see protocol.py)."),
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC
PyInit__frames(void)
{
    EVENT = PyUnicode_InternFromString("event");
    TYPE = PyUnicode_InternFromString("type");
    META = PyUnicode_InternFromString("meta");
    UPLOADS = PyUnicode_InternFromString("uploads");
    CID = PyUnicode_InternFromString("cid");
    if (EVENT == NULL || TYPE == NULL || META == NULL || UPLOADS == NULL || CID == NULL) {
        return NULL;
    }
    return PyModule_Create(&module_def);
}
