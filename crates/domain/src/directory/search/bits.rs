//! Bitsets over profile indexes, and posting lists that are either a sorted
//! list of indexes (rare values) or a bitset (common values), whichever is smaller.

/// One bit per profile. Bits at or past the length are always zero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Bits {
    words: Vec<u64>,
}

impl Bits {
    pub(super) fn zeros(len: usize) -> Self {
        Self { words: vec![0; len.div_ceil(64)] }
    }

    pub(super) fn ones(len: usize) -> Self {
        let mut words = vec![u64::MAX; len.div_ceil(64)];
        let tail = len % 64;
        if tail != 0
            && let Some(last) = words.last_mut()
        {
            *last = (1u64 << tail) - 1;
        }
        Self { words }
    }

    pub(super) fn from_fn(len: usize, mut f: impl FnMut(usize) -> bool) -> Self {
        let mut bits = Self::zeros(len);
        for i in 0..len {
            if f(i) {
                bits.set(i as u32);
            }
        }
        bits
    }

    #[inline]
    pub(super) fn set(&mut self, i: u32) {
        if let Some(word) = self.words.get_mut((i / 64) as usize) {
            *word |= 1u64 << (i % 64);
        }
    }

    #[inline]
    pub(super) fn unset(&mut self, i: u32) {
        if let Some(word) = self.words.get_mut((i / 64) as usize) {
            *word &= !(1u64 << (i % 64));
        }
    }

    #[inline]
    pub(super) fn get(&self, i: u32) -> bool {
        self.words.get((i / 64) as usize).is_some_and(|word| word & (1u64 << (i % 64)) != 0)
    }

    pub(super) fn and_with(&mut self, other: &Bits) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a &= *b;
        }
    }

    pub(super) fn or_with(&mut self, other: &Bits) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a |= *b;
        }
    }

    /// Clears the bits set in `other`.
    pub(super) fn and_not_with(&mut self, other: &Bits) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a &= !*b;
        }
    }

    /// Appends set bits, ascending, until `out` holds `limit` entries.
    pub(super) fn push_ones_until(&self, out: &mut Vec<u32>, limit: usize) {
        for (wi, &word) in self.words.iter().enumerate() {
            let mut rest = word;
            while rest != 0 {
                if out.len() >= limit {
                    return;
                }
                out.push((wi * 64) as u32 + rest.trailing_zeros());
                rest &= rest - 1;
            }
        }
    }

    pub(super) fn clear(&mut self) {
        self.words.fill(0);
    }

    pub(super) fn count(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Keeps the bits whose column value passes `keep`, looking only at words
    /// that still have bits set. `column` has one value per profile.
    pub(super) fn retain_column<T: Copy>(&mut self, column: &[T], keep: impl Fn(T) -> bool) {
        let mut chunks = column.chunks_exact(64);
        let mut words = self.words.iter_mut();
        // Whole words: the tests in a fixed-length loop the compiler can
        // vectorise, into bytes of 0 or 1, then packed eight at a time.
        for (chunk, word) in (&mut chunks).zip(&mut words) {
            if *word == 0 {
                continue;
            }
            let mut flags = [0u8; 64];
            for (flag, value) in flags.iter_mut().zip(chunk) {
                *flag = u8::from(keep(*value));
            }
            *word &= pack(&flags);
        }
        if let Some(word) = words.next() {
            let mut mask = 0u64;
            for (j, value) in chunks.remainder().iter().enumerate() {
                mask |= u64::from(keep(*value)) << j;
            }
            *word &= mask;
        }
    }

    /// Calls `f` with the index of every set bit, ascending.
    #[inline]
    pub(super) fn for_each_one(&self, mut f: impl FnMut(u32)) {
        for (wi, &word) in self.words.iter().enumerate() {
            let base = (wi * 64) as u32;
            let mut rest = word;
            while rest != 0 {
                f(base + rest.trailing_zeros());
                rest &= rest - 1;
            }
        }
    }

    /// Indexes of the set bits, ascending.
    #[cfg(test)]
    pub(super) fn ones_iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.words.iter().enumerate().flat_map(|(wi, &word)| {
            let base = (wi * 64) as u32;
            let mut rest = word;
            std::iter::from_fn(move || {
                if rest == 0 {
                    return None;
                }
                let bit = rest.trailing_zeros();
                rest &= rest - 1;
                Some(base + bit)
            })
        })
    }

    pub(super) fn heap_bytes(&self) -> usize {
        self.words.capacity() * 8
    }
}

/// Bit `j` of the result is `flags[j]` (each 0 or 1).
#[inline]
fn pack(flags: &[u8; 64]) -> u64 {
    // For eight bytes of 0 or 1, the multiplication gathers byte `j` into bit
    // `56 + j` with no carries between the partial products.
    const GATHER: u64 = 0x0102_0408_1020_4080;
    let mut mask = 0u64;
    for (k, eight) in flags.chunks_exact(8).enumerate() {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(eight);
        mask |= (u64::from_le_bytes(bytes).wrapping_mul(GATHER) >> 56) << (8 * k);
    }
    mask
}

/// The profiles that have one value (a concern, a payer, a word…).
#[derive(Debug, Clone)]
pub(super) enum Postings {
    Sparse(Vec<u32>),
    Dense(Bits),
}

impl Postings {
    /// `ids` ascending and unique; `len` is the number of profiles.
    pub(super) fn new(mut ids: Vec<u32>, len: usize) -> Self {
        // A list costs 32 bits per entry, a bitset one bit per profile.
        if ids.len() * 32 > len {
            let mut bits = Bits::zeros(len);
            for &i in &ids {
                bits.set(i);
            }
            Postings::Dense(bits)
        } else {
            ids.shrink_to_fit();
            Postings::Sparse(ids)
        }
    }

    /// Whether profile `i` has the value.
    pub(super) fn contains(&self, i: u32) -> bool {
        match self {
            Postings::Sparse(ids) => ids.binary_search(&i).is_ok(),
            Postings::Dense(bits) => bits.get(i),
        }
    }

    pub(super) fn or_into(&self, dst: &mut Bits) {
        match self {
            Postings::Sparse(ids) => {
                for &i in ids {
                    dst.set(i);
                }
            }
            Postings::Dense(bits) => dst.or_with(bits),
        }
    }

    pub(super) fn heap_bytes(&self) -> usize {
        match self {
            Postings::Sparse(ids) => ids.capacity() * 4,
            Postings::Dense(bits) => bits.heap_bytes(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ones_has_exactly_len_bits_and_iterates_in_order() {
        let bits = Bits::ones(130);
        assert_eq!(bits.count(), 130);
        assert_eq!(bits.ones_iter().last(), Some(129));
        let some = Bits::from_fn(200, |i| i % 50 == 3);
        assert_eq!(some.ones_iter().collect::<Vec<_>>(), vec![3, 53, 103, 153]);
        let mut seen = Vec::new();
        some.for_each_one(|i| seen.push(i));
        assert_eq!(seen, vec![3, 53, 103, 153]);
        let mut first = vec![0];
        some.push_ones_until(&mut first, 3);
        assert_eq!(first, vec![0, 3, 53]);
        let mut rest = Bits::ones(200);
        rest.and_not_with(&some);
        assert_eq!(rest.count(), 196);
    }

    #[test]
    fn pack_puts_each_flag_at_its_bit() {
        let mut flags = [0u8; 64];
        assert_eq!(pack(&flags), 0);
        for j in [0, 7, 8, 31, 63] {
            flags[j] = 1;
        }
        assert_eq!(pack(&flags), (1 << 0) | (1 << 7) | (1 << 8) | (1 << 31) | (1 << 63));
        assert_eq!(pack(&[1; 64]), u64::MAX);
    }

    #[test]
    fn retain_column_keeps_matching_values_only() {
        let mut bits = Bits::ones(100);
        let column: Vec<u32> = (0..100).collect();
        bits.retain_column(&column, |v| v >= 97 || v == 10 || v == 63);
        assert_eq!(bits.ones_iter().collect::<Vec<_>>(), vec![10, 63, 97, 98, 99]);
    }

    #[test]
    fn postings_choose_the_smaller_form_and_union_the_same() {
        let sparse = Postings::new(vec![1, 5], 1000);
        let dense = Postings::new((0..1000).step_by(2).collect(), 1000);
        assert!(matches!(sparse, Postings::Sparse(_)));
        assert!(matches!(dense, Postings::Dense(_)));
        let mut dst = Bits::zeros(1000);
        sparse.or_into(&mut dst);
        dense.or_into(&mut dst);
        assert_eq!(dst.count(), 502);
    }
}
