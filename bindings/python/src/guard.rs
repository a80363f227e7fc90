//! One guard around every function of the extension: a Rust panic anywhere under a Python call
//! (argument conversion, the computation with the GIL released, the result's conversion)
//! surfaces as `InternalError` (kind "internal"), never as `pyo3_runtime.PanicException`, and
//! prints nothing on standard error.
//!
//! pyo3 catches a panic at the edge of each `#[pyfunction]` and raises `PanicException`. After
//! the module's functions are registered, [`guard_module`] replaces each with a builtin of the
//! same name, signature and docstring that enters the core's quiet panic scope
//! (`collabmetrics::panic::Quiet`, which keeps the panic off standard error and remembers where
//! it happened), calls the original, and turns a `PanicException` into the core's
//! `Error::Internal`. The original is called and its exception fetched through the C API: pyo3's
//! own fetch would resume a `PanicException` as a Rust panic, printing it. Functions added
//! later are guarded too, as long as they are registered before `guard_module` runs;
//! `_GUARDED` lists every guarded name (a test checks it covers every function).

use crate::errors::to_py;
use collabmetrics::panic::Quiet;
use pyo3::exceptions::PySystemError;
use pyo3::ffi;
use pyo3::panic::PanicException;
use pyo3::prelude::*;
use pyo3::types::{PyCFunction, PyDict, PyTuple};
use std::ffi::{CStr, CString};
use std::ptr::null_mut;

/// Wraps every builtin function of `m` in the guard and lists their names in `_GUARDED`.
pub fn guard_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let mut names = Vec::new();
    for (name, value) in m.dict().iter() {
        if value.is_instance_of::<PyCFunction>() {
            names.push(name.extract::<String>()?);
        }
    }
    names.sort();
    for name in &names {
        let inner = m.getattr(name.as_str())?;
        m.setattr(name.as_str(), guarded(py, name, inner)?)?;
    }
    m.add("_GUARDED", names)?;
    Ok(())
}

/// A C string that lives as long as the module: the builtin's name and docstring must be
/// `'static`; the module is initialised once, so each is allocated once.
fn leak(text: String) -> PyResult<&'static CStr> {
    let c =
        CString::new(text).map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
    Ok(Box::leak(c.into_boxed_c_str()))
}

/// `inner` behind the guard, with `inner`'s name, text signature and docstring.
fn guarded<'py>(
    py: Python<'py>,
    name: &str,
    inner: Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyCFunction>> {
    let signature: Option<String> = inner.getattr("__text_signature__")?.extract()?;
    let doc: Option<String> = inner.getattr("__doc__")?.extract()?;
    let doc = doc.unwrap_or_default();
    // CPython reads a builtin's `__text_signature__` from a docstring that starts
    // "name(signature)\n--\n\n".
    let doc = match signature {
        Some(sig) => format!("{name}{sig}\n--\n\n{doc}"),
        None => doc,
    };
    let inner: Py<PyAny> = inner.unbind();
    PyCFunction::new_closure(
        py,
        Some(leak(name.to_owned())?),
        Some(leak(doc)?),
        move |args: &Bound<'_, PyTuple>,
              kwargs: Option<&Bound<'_, PyDict>>|
              -> PyResult<Py<PyAny>> {
            let py = args.py();
            let quiet = Quiet::enter();
            let kwargs = kwargs.map_or(null_mut(), |k| k.as_ptr());
            // SAFETY: `inner`, `args` and `kwargs` (or NULL) are live objects and the GIL is
            // held; the result is a new reference or NULL with an exception set.
            let result = unsafe { ffi::PyObject_Call(inner.as_ptr(), args.as_ptr(), kwargs) };
            if !result.is_null() {
                // SAFETY: a new reference, owned from here.
                return Ok(unsafe { Bound::from_owned_ptr(py, result).unbind() });
            }
            let error = fetch(py)?;
            if error.is_instance_of::<PanicException>() {
                let message = error
                    .getattr("args")
                    .and_then(|a| a.get_item(0))
                    .and_then(|m| m.extract::<String>())
                    .unwrap_or_else(|_| "no message".to_owned());
                return Err(to_py(quiet.error_from_message(message)));
            }
            Err(PyErr::from_value(error))
        },
    )
}

/// The exception the failed call set, normalised and with its traceback, taken without pyo3's
/// `PyErr::fetch` (which would resume a `PanicException` as a Rust panic).
fn fetch(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    let (mut kind, mut value, mut traceback) = (null_mut(), null_mut(), null_mut());
    // SAFETY: the GIL is held; the three pointers receive new references (or NULL) that are
    // owned below.
    unsafe {
        ffi::PyErr_Fetch(&mut kind, &mut value, &mut traceback);
        ffi::PyErr_NormalizeException(&mut kind, &mut value, &mut traceback);
        if !value.is_null() && !traceback.is_null() {
            ffi::PyException_SetTraceback(value, traceback);
        }
        let _kind = Bound::from_owned_ptr_or_opt(py, kind);
        let _traceback = Bound::from_owned_ptr_or_opt(py, traceback);
        Bound::from_owned_ptr_or_opt(py, value)
    }
    .ok_or_else(|| PySystemError::new_err("a collabmetrics function failed without an exception"))
}
