pub mod model;
pub mod order;
pub mod reduce;
