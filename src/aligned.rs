//! Vectors of `f64` whose first value starts on a 64-byte boundary (a cache line), and
//! cells of `L` lanes stored in them.
//!
//! An allocation only promises the alignment of `f64` (8 bytes); a vector of 8 lanes
//! that straddles two cache lines costs two loads. The values are kept from an offset
//! into a slightly longer buffer, and viewed as a slice: no `unsafe`.

use std::ops::{Deref, DerefMut};

const LINE: usize = 64;

/// A vector of `f64` starting on a cache line; dereferences to `[f64]`.
pub struct AlignedVec {
    values: Vec<f64>,
    offset: usize,
    len: usize,
}

impl AlignedVec {
    /// `len` copies of `value`.
    pub fn filled(value: f64, len: usize) -> AlignedVec {
        let values = vec![value; len + LINE / std::mem::size_of::<f64>()];
        let misalignment = values.as_ptr() as usize % LINE;
        let offset = (LINE - misalignment) % LINE / std::mem::size_of::<f64>();
        AlignedVec {
            values,
            offset,
            len,
        }
    }

    /// `len` zeros.
    pub fn zeros(len: usize) -> AlignedVec {
        AlignedVec::filled(0.0, len)
    }

    /// A copy of `values`.
    pub fn from_slice(values: &[f64]) -> AlignedVec {
        let mut v = AlignedVec::zeros(values.len());
        v.copy_from_slice(values);
        v
    }
}

impl Deref for AlignedVec {
    type Target = [f64];
    #[inline]
    fn deref(&self) -> &[f64] {
        &self.values[self.offset..self.offset + self.len]
    }
}

impl DerefMut for AlignedVec {
    #[inline]
    fn deref_mut(&mut self) -> &mut [f64] {
        &mut self.values[self.offset..self.offset + self.len]
    }
}

impl<'a> IntoIterator for &'a AlignedVec {
    type Item = &'a f64;
    type IntoIter = std::slice::Iter<'a, f64>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl Clone for AlignedVec {
    /// A copy aligned on its own (the offset of the original would not fit it).
    fn clone(&self) -> AlignedVec {
        AlignedVec::from_slice(self)
    }
}

impl PartialEq for AlignedVec {
    fn eq(&self, other: &AlignedVec) -> bool {
        **self == **other
    }
}

impl std::fmt::Debug for AlignedVec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

/// Cells of `L` lanes, the first on a cache line (a cell of 8 lanes is then one line).
pub struct CellVec<const L: usize> {
    values: AlignedVec,
}

impl<const L: usize> CellVec<L> {
    /// `len` cells of zeros.
    pub fn new(len: usize) -> CellVec<L> {
        CellVec {
            values: AlignedVec::zeros(len * L),
        }
    }

    #[inline]
    pub fn cells(&self) -> &[[f64; L]] {
        self.values.as_chunks().0
    }

    #[inline]
    pub fn cells_mut(&mut self) -> &mut [[f64; L]] {
        self.values.as_chunks_mut().0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_cells_start_on_a_cache_line() {
        for len in [1, 7, 300] {
            let v = AlignedVec::filled(2.5, len);
            assert_eq!(v.len(), len);
            assert_eq!(v.as_ptr() as usize % LINE, 0);
            assert!(v.iter().all(|x| *x == 2.5));
            let c = v.clone();
            assert_eq!(c.as_ptr() as usize % LINE, 0);
            assert_eq!(c, v);
            let mut cells = CellVec::<8>::new(len);
            assert_eq!(cells.cells().len(), len);
            assert_eq!(cells.cells().as_ptr() as usize % LINE, 0);
            cells.cells_mut()[len - 1] = [1.0; 8];
            assert!(cells.cells()[..len - 1].iter().flatten().all(|x| *x == 0.0));
        }
    }
}
