pub mod wavchunks;
