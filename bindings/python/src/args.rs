//! Python values to the core's whole-number options, with errors that name the option: a
//! negative count or seed, a float, text or a number too large for the option is an
//! `InvalidArgumentError` ("invalid argument `reps`: ..."), not an `OverflowError` or
//! `TypeError` that names nothing.

use crate::to_py;
use collabmetrics::Error;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyInt};

/// `value` as a whole number of type `T` (any Python int, or an object with `__index__`,
/// such as a numpy integer), or an error naming `argument` and the range `T` allows.
pub(crate) fn whole<T>(argument: &str, value: &Bound<'_, PyAny>) -> PyResult<T>
where
    T: TryFrom<i128> + num_bounds::Bounds,
{
    let refuse = |what: String| {
        to_py(Error::invalid_argument(
            argument,
            format!(
                "must be a whole number from {} to {} (got {what})",
                T::LOWEST,
                T::HIGHEST
            ),
        ))
    };
    if value.is_instance_of::<PyBool>() {
        return Err(refuse(format!("the boolean {value}")));
    }
    let int = if value.is_instance_of::<PyInt>() {
        value.clone()
    } else {
        match value.call_method0("__index__") {
            Ok(i) => i,
            Err(_) => {
                let kind = value.get_type().name()?;
                return Err(refuse(format!("{kind} {}", value.repr()?)));
            }
        }
    };
    let n: i128 = match int.extract() {
        Ok(n) => n,
        Err(_) => return Err(refuse(int.repr()?.to_string())),
    };
    T::try_from(n).map_err(|_| refuse(n.to_string()))
}

/// The range of each whole-number option type, for the message.
pub(crate) mod num_bounds {
    /// The smallest and largest value of an integer type.
    pub trait Bounds {
        const LOWEST: i128;
        const HIGHEST: i128;
    }

    macro_rules! bounds {
        ($($t:ty),*) => {$(
            impl Bounds for $t {
                const LOWEST: i128 = <$t>::MIN as i128;
                const HIGHEST: i128 = <$t>::MAX as i128;
            }
        )*};
    }

    bounds!(u32, u64, usize, i32);
}
