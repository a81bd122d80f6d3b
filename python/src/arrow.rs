//! Tables of float64, int64 and utf8 columns, handed to Python without a copy through
//! the Arrow C Data Interface and its PyCapsule protocol (`__arrow_c_schema__`,
//! `__arrow_c_array__`, `__arrow_c_stream__`).
//!
//! A table's columns live in one `Arc`; every exported structure (a schema, a struct
//! array, a stream) holds a clone of it in its private data and points into its buffers,
//! so `pyarrow.table(t)` or `polars.DataFrame(t)` reads the engine's own memory, which
//! lives until the last consumer calls `release`. Only the C structures are allocated
//! per export. The layouts are those of the specification
//! (<https://arrow.apache.org/docs/format/CDataInterface.html>): a table is exported as
//! a struct array (format `+s`) with one child per column, no nulls.

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::ptr;
use std::sync::Arc;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};

/// One column's values.
pub enum Column {
    F64(Vec<f64>),
    I64(Vec<i64>),
    /// Strings as Arrow keeps them: `offsets[i]..offsets[i + 1]` of `data` is row `i`.
    Utf8 {
        offsets: Vec<i32>,
        data: Vec<u8>,
    },
}

impl Column {
    /// A utf8 column of these strings.
    pub fn strings<S: AsRef<str>>(values: impl IntoIterator<Item = S>) -> Column {
        let mut offsets = vec![0i32];
        let mut data = Vec::new();
        for v in values {
            data.extend_from_slice(v.as_ref().as_bytes());
            offsets.push(i32::try_from(data.len()).expect("a utf8 column under 2 GiB"));
        }
        Column::Utf8 { offsets, data }
    }

    fn len(&self) -> usize {
        match self {
            Column::F64(v) => v.len(),
            Column::I64(v) => v.len(),
            Column::Utf8 { offsets, .. } => offsets.len() - 1,
        }
    }

    /// The Arrow format string of its type.
    fn format(&self) -> &'static CStr {
        match self {
            Column::F64(_) => c"g",
            Column::I64(_) => c"l",
            Column::Utf8 { .. } => c"u",
        }
    }

    /// Its type as the Python side names it.
    fn type_name(&self) -> &'static str {
        match self {
            Column::F64(_) => "float64",
            Column::I64(_) => "int64",
            Column::Utf8 { .. } => "utf8",
        }
    }

    /// Its buffers (validity first, absent: no nulls).
    fn buffers(&self) -> Vec<*const c_void> {
        match self {
            Column::F64(v) => vec![ptr::null(), v.as_ptr().cast()],
            Column::I64(v) => vec![ptr::null(), v.as_ptr().cast()],
            Column::Utf8 { offsets, data } => {
                vec![ptr::null(), offsets.as_ptr().cast(), data.as_ptr().cast()]
            }
        }
    }
}

/// A table's names and columns (every column as long as `rows`).
pub struct TableData {
    names: Vec<String>,
    columns: Vec<Column>,
    rows: usize,
}

impl TableData {
    pub fn new(columns: Vec<(String, Column)>) -> TableData {
        let rows = columns.first().map_or(0, |(_, c)| c.len());
        assert!(
            columns.iter().all(|(_, c)| c.len() == rows),
            "columns of one length"
        );
        let (names, columns) = columns.into_iter().unzip();
        TableData {
            names,
            columns,
            rows,
        }
    }
}

/// The C Data Interface's `ArrowSchema`.
#[repr(C)]
pub struct ArrowSchema {
    format: *const c_char,
    name: *const c_char,
    metadata: *const c_char,
    flags: i64,
    n_children: i64,
    children: *mut *mut ArrowSchema,
    dictionary: *mut ArrowSchema,
    release: Option<unsafe extern "C" fn(*mut ArrowSchema)>,
    private_data: *mut c_void,
}

/// The C Data Interface's `ArrowArray`.
#[repr(C)]
pub struct ArrowArray {
    length: i64,
    null_count: i64,
    offset: i64,
    n_buffers: i64,
    n_children: i64,
    buffers: *mut *const c_void,
    children: *mut *mut ArrowArray,
    dictionary: *mut ArrowArray,
    release: Option<unsafe extern "C" fn(*mut ArrowArray)>,
    private_data: *mut c_void,
}

/// The C Stream Interface's `ArrowArrayStream`.
#[repr(C)]
pub struct ArrowArrayStream {
    get_schema: Option<unsafe extern "C" fn(*mut ArrowArrayStream, *mut ArrowSchema) -> c_int>,
    get_next: Option<unsafe extern "C" fn(*mut ArrowArrayStream, *mut ArrowArray) -> c_int>,
    get_last_error: Option<unsafe extern "C" fn(*mut ArrowArrayStream) -> *const c_char>,
    release: Option<unsafe extern "C" fn(*mut ArrowArrayStream)>,
    private_data: *mut c_void,
}

/// What a schema owns: its strings and its children.
struct SchemaPrivate {
    _format: CString,
    _name: CString,
    children: Vec<*mut ArrowSchema>,
}

fn schema_node(format: &CStr, name: &str, children: Vec<*mut ArrowSchema>) -> ArrowSchema {
    // Column names come from the metric registry: no NUL inside.
    let name = CString::new(name).expect("a name without NUL");
    let format = format.to_owned();
    let mut private = Box::new(SchemaPrivate {
        _format: format,
        _name: name,
        children,
    });
    ArrowSchema {
        format: private._format.as_ptr(),
        name: private._name.as_ptr(),
        metadata: ptr::null(),
        flags: 0,
        n_children: private.children.len() as i64,
        children: if private.children.is_empty() {
            ptr::null_mut()
        } else {
            private.children.as_mut_ptr()
        },
        dictionary: ptr::null_mut(),
        release: Some(release_schema),
        private_data: Box::into_raw(private).cast(),
    }
}

/// The schema of `t`: a struct with one field per column.
fn export_schema(t: &TableData) -> ArrowSchema {
    let children = t
        .names
        .iter()
        .zip(&t.columns)
        .map(|(n, c)| Box::into_raw(Box::new(schema_node(c.format(), n, Vec::new()))))
        .collect();
    schema_node(c"+s", "", children)
}

/// Releases a schema made by [`schema_node`]: its children (unless a consumer moved
/// them out, which sets their `release` to null), then what it owns.
unsafe extern "C" fn release_schema(s: *mut ArrowSchema) {
    // SAFETY: `s` is a schema this module made (the only ones given this callback),
    // not yet released; its private data is a `SchemaPrivate` from `Box::into_raw`, and
    // each child a `Box::into_raw` of a schema.
    unsafe {
        let private = Box::from_raw((*s).private_data as *mut SchemaPrivate);
        for &child in &private.children {
            if let Some(release) = (*child).release {
                release(child);
            }
            drop(Box::from_raw(child));
        }
        (*s).release = None;
    }
}

/// What an array owns: the table (its buffers are pointed into), the buffer pointer
/// list and its children.
struct ArrayPrivate {
    _table: Arc<TableData>,
    buffers: Vec<*const c_void>,
    children: Vec<*mut ArrowArray>,
}

fn array_node(
    table: &Arc<TableData>,
    length: usize,
    buffers: Vec<*const c_void>,
    children: Vec<*mut ArrowArray>,
) -> ArrowArray {
    let mut private = Box::new(ArrayPrivate {
        _table: Arc::clone(table),
        buffers,
        children,
    });
    ArrowArray {
        length: length as i64,
        null_count: 0,
        offset: 0,
        n_buffers: private.buffers.len() as i64,
        n_children: private.children.len() as i64,
        buffers: private.buffers.as_mut_ptr(),
        children: if private.children.is_empty() {
            ptr::null_mut()
        } else {
            private.children.as_mut_ptr()
        },
        dictionary: ptr::null_mut(),
        release: Some(release_array),
        private_data: Box::into_raw(private).cast(),
    }
}

/// The table as a struct array whose children point into its columns.
fn export_array(t: &Arc<TableData>) -> ArrowArray {
    let children = t
        .columns
        .iter()
        .map(|c| Box::into_raw(Box::new(array_node(t, t.rows, c.buffers(), Vec::new()))))
        .collect();
    array_node(t, t.rows, vec![ptr::null()], children)
}

/// Releases an array made by [`array_node`] (as [`release_schema`]).
unsafe extern "C" fn release_array(a: *mut ArrowArray) {
    // SAFETY: as in `release_schema`, for arrays made by `array_node`.
    unsafe {
        let private = Box::from_raw((*a).private_data as *mut ArrayPrivate);
        for &child in &private.children {
            if let Some(release) = (*child).release {
                release(child);
            }
            drop(Box::from_raw(child));
        }
        (*a).release = None;
    }
}

/// A stream's state: the table, sent as one batch.
struct StreamPrivate {
    table: Arc<TableData>,
    sent: bool,
}

unsafe extern "C" fn stream_schema(s: *mut ArrowArrayStream, out: *mut ArrowSchema) -> c_int {
    // SAFETY: `s` is a live stream of this module; `out` points to a schema the
    // consumer gives to be written.
    unsafe {
        let private = &*((*s).private_data as *const StreamPrivate);
        ptr::write(out, export_schema(&private.table));
    }
    0
}

unsafe extern "C" fn stream_next(s: *mut ArrowArrayStream, out: *mut ArrowArray) -> c_int {
    // SAFETY: as in `stream_schema`; a released `out` (null `release`) marks the end.
    unsafe {
        let private = &mut *((*s).private_data as *mut StreamPrivate);
        if private.sent {
            ptr::write(out, std::mem::zeroed::<ArrowArray>());
        } else {
            private.sent = true;
            ptr::write(out, export_array(&private.table));
        }
    }
    0
}

unsafe extern "C" fn stream_error(_: *mut ArrowArrayStream) -> *const c_char {
    ptr::null()
}

unsafe extern "C" fn release_stream(s: *mut ArrowArrayStream) {
    // SAFETY: `s` is a live stream of this module; its private data a `StreamPrivate`
    // from `Box::into_raw`.
    unsafe {
        drop(Box::from_raw((*s).private_data as *mut StreamPrivate));
        (*s).release = None;
    }
}

/// A capsule named `name` owning the boxed C structure `value`; its destructor releases
/// the structure unless a consumer moved it out (and so set its `release` to null).
fn capsule<'py, T: Released>(
    py: Python<'py>,
    value: T,
    name: &'static CStr,
    destructor: unsafe extern "C" fn(*mut pyo3::ffi::PyObject),
) -> PyResult<Bound<'py, PyAny>> {
    let p = Box::into_raw(Box::new(value));
    // SAFETY: `name` is static (a capsule keeps the pointer); the destructor matches
    // the boxed type, and the capsule owns the box from here on.
    unsafe {
        let obj = pyo3::ffi::PyCapsule_New(p.cast(), name.as_ptr(), Some(destructor));
        if obj.is_null() {
            let mut b = Box::from_raw(p);
            b.release_now();
            return Err(PyErr::fetch(py));
        }
        Ok(Bound::from_owned_ptr(py, obj))
    }
}

/// A C structure with a `release` callback.
trait Released {
    fn release_now(&mut self);
}

macro_rules! released {
    ($t:ty, $dtor:ident, $name:literal) => {
        impl Released for $t {
            fn release_now(&mut self) {
                if let Some(release) = self.release {
                    // SAFETY: a live structure made by this module.
                    unsafe { release(self) }
                }
            }
        }

        unsafe extern "C" fn $dtor(capsule: *mut pyo3::ffi::PyObject) {
            // SAFETY: the capsule was made by `capsule` with this name and a box of
            // this type.
            unsafe {
                let p = pyo3::ffi::PyCapsule_GetPointer(capsule, $name.as_ptr()) as *mut $t;
                if p.is_null() {
                    pyo3::ffi::PyErr_Clear();
                    return;
                }
                let mut b = Box::from_raw(p);
                b.release_now();
            }
        }
    };
}

released!(ArrowSchema, drop_schema_capsule, c"arrow_schema");
released!(ArrowArray, drop_array_capsule, c"arrow_array");
released!(ArrowArrayStream, drop_stream_capsule, c"arrow_array_stream");

/// A table of results: Arrow columns (float64, int64, utf8; no nulls) that `pyarrow`,
/// `polars` and any reader of the Arrow PyCapsule interface take without a copy.
#[pyclass(frozen, module = "fundcast._fundcast")]
pub struct Table {
    data: Arc<TableData>,
}

impl Table {
    pub fn new(columns: Vec<(String, Column)>) -> Table {
        Table {
            data: Arc::new(TableData::new(columns)),
        }
    }

    fn index(&self, key: &Bound<'_, PyAny>) -> PyResult<usize> {
        if let Ok(i) = key.extract::<usize>() {
            if i < self.data.columns.len() {
                return Ok(i);
            }
        } else if let Ok(name) = key.extract::<String>() {
            if let Some(i) = self.data.names.iter().position(|n| *n == name) {
                return Ok(i);
            }
        }
        Err(pyo3::exceptions::PyKeyError::new_err(format!(
            "no column {key} (columns: {})",
            self.data.names.join(", ")
        )))
    }
}

#[pymethods]
impl Table {
    /// The column names, in order.
    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.data.names.clone()
    }

    /// Each column's type: `"float64"`, `"int64"` or `"utf8"`.
    #[getter]
    fn column_types(&self) -> Vec<&'static str> {
        self.data.columns.iter().map(Column::type_name).collect()
    }

    #[getter]
    fn num_rows(&self) -> usize {
        self.data.rows
    }

    #[getter]
    fn num_columns(&self) -> usize {
        self.data.columns.len()
    }

    fn __len__(&self) -> usize {
        self.data.rows
    }

    fn __repr__(&self) -> String {
        let cols: Vec<String> = self
            .data
            .names
            .iter()
            .zip(&self.data.columns)
            .take(8)
            .map(|(n, c)| format!("{n}: {}", c.type_name()))
            .collect();
        let more = if self.data.columns.len() > 8 {
            format!(", … {} more", self.data.columns.len() - 8)
        } else {
            String::new()
        };
        format!(
            "fundcast.Table({} rows; {}{more})",
            self.data.rows,
            cols.join(", ")
        )
    }

    /// A column (by name or index) as a list of Python values.
    fn column<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let i = self.index(key)?;
        match &self.data.columns[i] {
            Column::F64(v) => PyList::new(py, v),
            Column::I64(v) => PyList::new(py, v),
            Column::Utf8 { offsets, data } => PyList::new(
                py,
                offsets.windows(2).map(|w| {
                    std::str::from_utf8(&data[w[0] as usize..w[1] as usize]).expect("UTF-8")
                }),
            ),
        }
    }

    /// A numeric column's values as little-endian bytes (8 per value), for
    /// `numpy.frombuffer`.
    fn column_bytes<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let i = self.index(key)?;
        let bytes: Vec<u8> = match &self.data.columns[i] {
            Column::F64(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            Column::I64(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            Column::Utf8 { .. } => {
                return Err(PyValueError::new_err(format!(
                    "column {key} holds strings, not numbers"
                )))
            }
        };
        Ok(PyBytes::new(py, &bytes))
    }

    /// The table as `{name: list}`.
    fn to_pydict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (i, name) in self.data.names.iter().enumerate() {
            d.set_item(name, self.column(py, &i.into_pyobject(py)?.into_any())?)?;
        }
        Ok(d)
    }

    /// The table as a pandas DataFrame (pandas and numpy imported here).
    fn to_pandas<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        slf.py()
            .import("fundcast._frames")?
            .call_method1("to_pandas", (slf,))
    }

    /// The schema as an `arrow_schema` PyCapsule (a struct of the columns).
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        capsule(
            py,
            export_schema(&self.data),
            c"arrow_schema",
            drop_schema_capsule,
        )
    }

    /// The table as one struct array: `(arrow_schema, arrow_array)` PyCapsules. A
    /// requested schema is not cast to (the protocol lets a producer ignore it).
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_array__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        let _ = requested_schema;
        Ok((
            self.__arrow_c_schema__(py)?,
            capsule(
                py,
                export_array(&self.data),
                c"arrow_array",
                drop_array_capsule,
            )?,
        ))
    }

    /// The table as an `arrow_array_stream` PyCapsule of one batch.
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let _ = requested_schema;
        let private = Box::new(StreamPrivate {
            table: Arc::clone(&self.data),
            sent: false,
        });
        let stream = ArrowArrayStream {
            get_schema: Some(stream_schema),
            get_next: Some(stream_next),
            get_last_error: Some(stream_error),
            release: Some(release_stream),
            private_data: Box::into_raw(private).cast(),
        };
        capsule(py, stream, c"arrow_array_stream", drop_stream_capsule)
    }
}
