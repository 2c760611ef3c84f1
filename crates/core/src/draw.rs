//! The seeded draw of a quiz attempt: which questions, in which order, with which order of
//! options. The device draws with a fresh seed and keeps it with the attempt; the server draws
//! again from the same seed and must get the very same questions, so the generator is a fixed,
//! documented algorithm (SplitMix64) rather than a library's `StdRng`, whose algorithm may change
//! between versions, and nothing here depends on the platform's word size or hash order.

/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", 2014;
/// the reference is Vigna's `splitmix64.c`). 64 bits of state, every seed usable, and the same
/// numbers on every target: it only adds, shifts, xors and multiplies `u64`s with wrapping.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0), by the high half of a 128-bit product (Lemire's method
    /// without its rejection step: for the few dozen items a quiz shuffles, the bias is below
    /// 2^-57, and no rejection keeps the number of draws per call fixed).
    pub fn below(&mut self, n: usize) -> usize {
        debug_assert!(n > 0);
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Shuffles `items` in place (Fisher–Yates, from the back).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }

    /// `k` distinct items of `pool` chosen uniformly, in the order drawn (a partial
    /// Fisher–Yates over a copy of the pool); all of them, shuffled, if `k` exceeds its size.
    pub fn choose<T: Clone>(&mut self, pool: &[T], k: usize) -> Vec<T> {
        let mut pool = pool.to_vec();
        let k = k.min(pool.len());
        for i in 0..k {
            let j = i + self.below(pool.len() - i);
            pool.swap(i, j);
        }
        pool.truncate(k);
        pool
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_gives_the_reference_implementations_numbers() {
        // The first outputs of Vigna's splitmix64.c seeded with 1234567.
        let mut g = SplitMix64::new(1_234_567);
        let first: Vec<u64> = (0..5).map(|_| g.next_u64()).collect();
        assert_eq!(
            first,
            [
                6_457_827_717_110_365_317,
                3_203_168_211_198_807_973,
                9_817_491_932_198_370_423,
                4_593_380_528_125_082_431,
                16_408_922_859_458_223_821,
            ]
        );
    }

    #[test]
    fn a_number_below_n_stays_below_n_and_reaches_every_value() {
        let mut g = SplitMix64::new(7);
        let mut seen = [0u32; 6];
        for _ in 0..6_000 {
            seen[g.below(6)] += 1;
        }
        assert!(seen.iter().all(|&n| n > 800), "{seen:?}");
    }

    #[test]
    fn choosing_gives_distinct_items_and_never_more_than_the_pool() {
        let mut g = SplitMix64::new(42);
        let mut chosen = g.choose(&[1, 2, 3, 4, 5, 6, 7, 8], 5);
        assert_eq!(chosen.len(), 5);
        chosen.sort();
        chosen.dedup();
        assert_eq!(chosen.len(), 5);
        assert_eq!(g.choose(&[1, 2], 5).len(), 2);
    }

    #[test]
    fn the_same_seed_shuffles_the_same_way() {
        let shuffled = |seed| {
            let mut v: Vec<u32> = (0..10).collect();
            SplitMix64::new(seed).shuffle(&mut v);
            v
        };
        assert_eq!(shuffled(99), shuffled(99));
        assert_ne!(shuffled(99), shuffled(100));
    }
}
