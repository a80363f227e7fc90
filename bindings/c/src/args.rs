//! Turning the caller's pointers and lengths into slices: NULL, size and alignment checks, and
//! a check that no output array shares memory with another array of the same call (a `&mut`
//! slice must not alias anything).

use crate::error::Failure;
use collabmetrics::options::OptionEnum;
use std::mem::{align_of, size_of};

/// The memory of one array argument, for the overlap check.
#[derive(Debug, Clone, Copy)]
struct Region {
    name: &'static str,
    start: usize,
    end: usize,
    writable: bool,
}

impl Region {
    fn conflicts_with(&self, other: &Region) -> bool {
        (self.writable || other.writable) && self.start < other.end && other.start < self.end
    }
}

/// The array arguments of one call, registered one by one as they are turned into slices.
#[derive(Debug, Default)]
pub(crate) struct Arrays {
    regions: Vec<Region>,
}

impl Arrays {
    /// The input array `name` of `len` elements at `ptr` (NULL allowed when `len` is 0).
    ///
    /// # Safety
    ///
    /// A non-NULL `ptr` must point to `len` initialised elements that stay valid and unchanged
    /// for `'a`.
    pub(crate) unsafe fn input<'a, T>(
        &mut self,
        name: &'static str,
        ptr: *const T,
        len: usize,
    ) -> Result<&'a [T], Failure> {
        if !self.register::<T>(name, ptr as usize, len, false)? {
            return Ok(&[]);
        }
        // SAFETY: `register` checked that `ptr` is non-NULL, aligned and that `len` elements
        // fit in `isize::MAX` bytes; the caller guarantees they are valid for `'a`.
        Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
    }

    /// The output array `name` of `len` elements at `ptr` (NULL allowed when `len` is 0).
    ///
    /// # Safety
    ///
    /// A non-NULL `ptr` must point to `len` writable elements valid for `'a` that no one else
    /// reads or writes meanwhile (overlap with the call's other arrays is checked here).
    pub(crate) unsafe fn output<'a, T>(
        &mut self,
        name: &'static str,
        ptr: *mut T,
        len: usize,
    ) -> Result<&'a mut [T], Failure> {
        if !self.register::<T>(name, ptr as usize, len, true)? {
            return Ok(&mut []);
        }
        // SAFETY: as for `input`, and `register` checked that this array overlaps no other
        // array of the call, so the `&mut` slice is unique.
        Ok(unsafe { std::slice::from_raw_parts_mut(ptr, len) })
    }

    /// An output array that may be NULL (then `None`, whatever `len`).
    ///
    /// # Safety
    ///
    /// As for [`Arrays::output`].
    pub(crate) unsafe fn optional_output<'a, T>(
        &mut self,
        name: &'static str,
        ptr: *mut T,
        len: usize,
    ) -> Result<Option<&'a mut [T]>, Failure> {
        if ptr.is_null() {
            return Ok(None);
        }
        // SAFETY: forwarded from the caller.
        unsafe { self.output(name, ptr, len) }.map(Some)
    }

    /// Checks one array and records its memory. Returns false for an empty array (nothing to
    /// point at, NULL allowed), true when `ptr` may be turned into a slice of `len` elements.
    fn register<T>(
        &mut self,
        name: &'static str,
        ptr: usize,
        len: usize,
        writable: bool,
    ) -> Result<bool, Failure> {
        if len == 0 {
            return Ok(false);
        }
        let region = Region::checked::<T>(name, ptr, len, writable)?;
        if let Some(other) = self.regions.iter().find(|r| r.conflicts_with(&region)) {
            let rule = "an output array must not overlap any other array of the call";
            let message = format!("shares memory with `{}`; {rule}", other.name);
            return Err(Failure::argument(name, message));
        }
        self.regions.push(region);
        Ok(true)
    }
}

impl Region {
    /// The memory of `len` > 0 elements of `T` at `ptr`, which must be non-NULL, aligned for
    /// `T`, and span at most `isize::MAX` bytes without wrapping around.
    fn checked<T>(
        name: &'static str,
        ptr: usize,
        len: usize,
        writable: bool,
    ) -> Result<Self, Failure> {
        if ptr == 0 {
            return Err(Failure::NullPointer {
                argument: name,
                len,
            });
        }
        let too_long = || Failure::argument(name, format!("length {len} is too large"));
        let bytes = len
            .checked_mul(size_of::<T>())
            .filter(|&b| b <= isize::MAX as usize)
            .ok_or_else(too_long)?;
        let end = ptr.checked_add(bytes).ok_or_else(too_long)?;
        let align = align_of::<T>();
        if !ptr.is_multiple_of(align) {
            let message = format!("pointer is not aligned to {align} bytes");
            return Err(Failure::argument(name, message));
        }
        Ok(Region {
            name,
            start: ptr,
            end,
            writable,
        })
    }
}

/// Decodes the C code of an option (`raw`, one of the `prefix`* constants): the value's
/// position in the core's name table ([`OptionEnum::ALL`]), so C and the core cannot disagree
/// (each constant is checked against it by a test). An unknown code names the option and lists
/// the codes.
pub(crate) fn option<T: OptionEnum>(raw: u32, prefix: &str) -> Result<T, Failure> {
    usize::try_from(raw)
        .ok()
        .and_then(T::from_index)
        .ok_or_else(|| unknown_code::<T>(raw, prefix))
}

/// Refuses a list given (`len` > 0) where the options do not read it: `unless` says what would
/// make them read it (`has_horizons is false`, `bands is not CM_BANDS_CUSTOM`). Ignoring it
/// would run the call on the defaults the caller meant to replace.
pub(crate) fn check_unused(name: &'static str, len: usize, unless: &str) -> Result<(), Failure> {
    if len == 0 {
        return Ok(());
    }
    Err(Failure::argument(
        name,
        format!("{len} values given but {unless}; set it to use them, or give none"),
    ))
}

/// The failure for an unknown code `raw` of option `T`.
pub(crate) fn unknown_code<T: OptionEnum>(raw: impl std::fmt::Display, prefix: &str) -> Failure {
    Failure::argument(
        T::OPTION,
        format!(
            "unknown {} {raw}; expected a {prefix}* constant: {}",
            T::WHAT,
            codes::<T>(0)
        ),
    )
}

/// The codes of `T`'s values, from `first` on, with their names: `0 (month), 1 (rolling_3m)`.
pub(crate) fn codes<T: OptionEnum>(first: u32) -> String {
    T::ALL
        .iter()
        .zip(first..)
        .map(|(v, code)| format!("{code} ({})", v.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The C code of an option's value (its position in the core's name table).
pub(crate) fn code<T: OptionEnum>(value: T) -> u32 {
    u32::try_from(value.index()).unwrap_or(u32::MAX)
}
