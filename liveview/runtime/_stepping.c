/* liveview.runtime._stepping: one step of a coroutine, without StopIteration.
 *
 * step(coroutine) sends None into `coroutine` (as `coroutine.send(None)`) and returns what it
 * yielded, or the module's DONE when it returned (its return value is dropped). The runtime
 * steps a click's handler (`ViewChannel.post`) and a frame's `send` (`LiveViewConsumer.
 * send_text`) by hand, and both usually return at once: from Python that is a StopIteration
 * raised and caught, with its traceback, twice a click (~2.5k instructions). PyIter_Send
 * reports a return without an exception. An exception the coroutine raises comes out as it is.
 * liveview/runtime/stepping.py has the same function in Python when this module is not built.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *DONE;  /* never yielded by a coroutine: a private object of this module */

static PyObject *
step(PyObject *module, PyObject *coroutine)
{
    PyObject *result;
    switch (PyIter_Send(coroutine, Py_None, &result)) {
    case PYGEN_RETURN:
        Py_DECREF(result);
        return Py_NewRef(DONE);
    case PYGEN_NEXT:
        return result;
    default:  /* PYGEN_ERROR, the exception set */
        return NULL;
    }
}

static PyMethodDef methods[] = {
    {"step", (PyCFunction)step, METH_O,
     PyDoc_STR("step(coroutine, /)\n--\n\n"
               "coroutine.send(None): what it yielded, or DONE when it returned.")},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "liveview.runtime._stepping",
    .m_doc = PyDoc_STR("One step of a coroutine, without StopIteration (see stepping.py)."),
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC
PyInit__stepping(void)
{
    PyObject *module = PyModule_Create(&module_def);
    if (module == NULL) {
        return NULL;
    }
    /* An instance of `object`: nothing else is it, so no coroutine can yield it. */
    DONE = PyObject_CallNoArgs((PyObject *)&PyBaseObject_Type);
    if (DONE == NULL || PyModule_AddObjectRef(module, "DONE", DONE) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
