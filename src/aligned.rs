//! Cells of `L` lanes whose first cell starts on a 64-byte boundary (a cache line).
//!
//! An allocation only promises the alignment of `f64` (8 bytes); a vector of 8 lanes
//! that straddles two cache lines costs two loads. The cells are kept from an offset
//! into a slightly longer buffer and viewed as a slice: no `unsafe`.

const LINE: usize = 64;

/// Cells of `L` lanes, the first on a cache line (a cell of 8 lanes is then one line).
pub struct CellVec<const L: usize> {
    values: Vec<f64>,
    offset: usize,
    len: usize,
}

impl<const L: usize> CellVec<L> {
    /// `len` cells of zeros.
    pub fn new(len: usize) -> CellVec<L> {
        let values = vec![0.0; len * L + LINE / std::mem::size_of::<f64>()];
        let misalignment = values.as_ptr() as usize % LINE;
        let offset = (LINE - misalignment) % LINE / std::mem::size_of::<f64>();
        CellVec {
            values,
            offset,
            len,
        }
    }

    #[inline]
    pub fn cells(&self) -> &[[f64; L]] {
        self.values[self.offset..self.offset + self.len * L]
            .as_chunks()
            .0
    }

    #[inline]
    pub fn cells_mut(&mut self) -> &mut [[f64; L]] {
        self.values[self.offset..self.offset + self.len * L]
            .as_chunks_mut()
            .0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_start_on_a_cache_line() {
        for len in [1, 7, 300] {
            let mut cells = CellVec::<8>::new(len);
            assert_eq!(cells.cells().len(), len);
            assert_eq!(cells.cells().as_ptr() as usize % LINE, 0);
            cells.cells_mut()[len - 1] = [1.0; 8];
            assert!(cells.cells()[..len - 1].iter().flatten().all(|x| *x == 0.0));
            assert_eq!(cells.cells()[len - 1], [1.0; 8]);
        }
    }
}
